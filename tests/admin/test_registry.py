"""The admin covers every model, read-mostly: each one registered through the operators'
base (audited, no bulk delete), the agency shown and filterable on tenant-owned ones, every
list and change page rendering for an operator at a fixed query cost, and no secret shown."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.admin_site import OperatorModelAdmin, OperatorsAdminSite
from tests.admin.conftest import SECRET_MARK

pytestmark = pytest.mark.django_db

OUR_MODELS = [
    model
    for model in apps.get_models()
    if model.__module__.startswith("apps.") and not model._meta.abstract
]
# Where operators truly need to change something; everything else is read-only.
CHANGEABLE = {"accounts.User", "bookings.Booking", "auth.Group"}
DELETABLE = {"auth.Group", "mfa.Authenticator"}
# Secret columns: never a field of any admin page.
SECRETS = {
    "accounts.User": "password",
    "agencies.Invitation": "token_hash",
    "agencies.ApiToken": "token_hash",
    "scans.RepositoryAccess": "token_encrypted",
    "scans.RepositoryWebhook": "secret_encrypted",
    "notifications.WebhookEndpoint": "secret_encrypted",
    "scans.Scan": "run_token",
    "mfa.Authenticator": "data",
    "usersessions.UserSession": "session_key",
}


def _has_agency(model) -> bool:
    return any(field.name == "agency" for field in model._meta.concrete_fields)


@pytest.fixture
def request_as(operator):
    request = RequestFactory().get("/admin/")
    request.user = operator
    return request


def test_the_default_site_is_the_operators_site():
    assert isinstance(admin.site, OperatorsAdminSite)


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered_with_the_agency_shown_and_filterable(model, request_as):
    assert admin.site.is_registered(model), f"{model._meta.label} is missing from the admin"
    model_admin = admin.site.get_model_admin(model)
    assert isinstance(model_admin, OperatorModelAdmin)
    if _has_agency(model):
        assert "agency" in model_admin.get_list_display(request_as)
        assert "agency" in model_admin.get_list_filter(request_as)


@pytest.mark.parametrize(
    "model_admin", list(admin.site._registry.values()), ids=lambda a: a.model._meta.label
)
def test_every_admin_is_read_mostly_and_hides_secrets(model_admin, request_as):
    """Third-party models too (allauth's addresses and authenticators, groups, sites): a
    plain ModelAdmin would skip the audit trail and offer bulk delete."""
    label = model_admin.model._meta.label
    assert isinstance(model_admin, OperatorModelAdmin), label
    assert model_admin.get_actions(request_as) == {}
    assert model_admin.has_change_permission(request_as) is (label in CHANGEABLE)
    assert model_admin.has_delete_permission(request_as) is (label in DELETABLE)
    shown = set(model_admin.get_fields(request_as)) | set(model_admin.get_list_display(request_as))
    assert SECRETS.get(label, "") not in shown


def test_every_page_renders_for_an_operator_and_shows_no_secret(world, operator_client):
    rows = world()
    assert set(OUR_MODELS) <= set(rows), set(OUR_MODELS) - set(rows)
    for model, row in rows.items():
        if not admin.site.is_registered(model):
            continue
        meta = model._meta
        for url in (
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk]),
        ):
            response = operator_client.get(url)
            assert response.status_code == 200, url
            assert SECRET_MARK not in response.content.decode(), url


def test_list_pages_cost_the_same_with_twice_the_rows(world, operator_client):
    world()
    registry = list(admin.site._registry)
    urls = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in registry
    ]

    def cost() -> dict[str, int]:
        counts = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert operator_client.get(url).status_code == 200
            counts[url] = len(queries)
        return counts

    cost()  # the first round fills Django's caches (content types, the site)
    once = cost()
    world()
    assert cost() == once
