"""Tenant isolation, proved over every route the resolver knows (not a hand-written list).

For each agency-scoped page and API route, and every HTTP method:
- a member of agency A asking for agency B's objects gets 404, exactly as for a missing one;
- an anonymous visitor is sent to sign in (pages) or gets 401 (API);
- nothing in the database changes, even when the request body carries B's ids.
A route added later that this file cannot fill in makes it fail until someone covers it.
"""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.test import Client
from django.urls import reverse

from apps.agencies import services
from apps.agencies.roles import Role
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.support.api import bearer
from tests.support.routes import all_routes
from tests.support.tenants import rolled_back, tenant_objects

pytestmark = pytest.mark.django_db(transaction=False)

METHODS = ["get", "post", "put", "patch", "delete"]

# Routes outside /<agency_slug>/ and /api/v1/agencies/<agency_slug>/, each with why it is not
# tenant-scoped. Names ending in ":*" or "*" cover a family.
UNSCOPED = {
    "home": "front page; redirects to the user's own agencies",
    "healthz": "liveness probe, no data",
    "readyz": "readiness probe, no data",
    "metrics": "Prometheus metrics: counts only, behind its own token (apps.ops.guard)",
    "onboarding": "creates a new agency for the signed-in user",
    "invitation_accept": "the emailed link; authorised by its secret token",
    "invitation_join": "accepts an invitation addressed to the user's verified email",
    "profile": "the signed-in user's own profile",
    "account_security": "the signed-in user's own sign-in history",
    "api_me": "the signed-in user; with a token, only the token's agency",
    "api_schema": "the OpenAPI document",
    "api_docs": "the API documentation page",
    "admin:*": "the platform operators' Django admin (staff only)",
    "account_*": "allauth: sign-up, sign-in, email, password",
    "mfa_*": "allauth: the user's own two-factor settings",
    "usersessions_*": "allauth: the user's own sessions, and signing out of the others",
    "None": "allauth's internal unnamed routes",
    "book_agency": "public: an agency's consultation offers",
    "book_logo": "public: the logo on an agency's booking pages",
    "book_style": "public: the accent colour of an agency's booking pages",
    "book_offer": "public: the booking page of one offer",
    "booking_manage": "public: a booking, reached only through its signed link",
    "booking_ics": "public: a booking's calendar file, through its signed link",
    "booking_confirm": "public: confirming a held booking, through the emailed link",
    "api_public_*": "public booking API (slots, booking, the signed link's actions)",
    "privacy_account*": "the signed-in user's own data: its export and the account's deletion",
    "privacy_notice": "public: an agency's privacy notice, linked from its booking form",
    "notification_preferences": "the signed-in user's own email preferences",
    "notifications_unsubscribe": "public: an email's unsubscribe link; authorised by its signature",
    "repository_push": "public: a repository's push webhook; authorised by its signature or token",
}


def _is_unscoped(name: str | None) -> bool:
    key = str(name)
    return any(
        key == pattern or (pattern.endswith("*") and key.startswith(pattern[:-1]))
        for pattern in UNSCOPED
    )


def snapshot() -> str:
    """A digest of every row the app owns; any insert, update or delete changes it.
    Usage timestamps (last sign-in, a token's last use) are left out: using is not writing."""
    digest = hashlib.sha256()
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label
        in {"accounts", "agencies", "audit", "clients", "projects", "checklists"}
        or m is EmailAddress
    ]
    for model in sorted(models, key=lambda m: m._meta.label):
        rows = list(model.objects.order_by("pk").values())
        for row in rows:
            row.pop("last_login", None)
            row.pop("last_used_at", None)
        digest.update(model._meta.label.encode())
        digest.update(json.dumps(rows, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def agency_fingerprint(agency) -> str:
    """A digest of every row that belongs to `agency`, in every tenant table, plus the
    per-engagement grants on its engagements."""
    from apps.core.models import TenantOwnedModel
    from apps.projects.models import ProjectUserObjectPermission

    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        has_agency = any(f.name == "agency" for f in model._meta.fields)
        if not (issubclass(model, TenantOwnedModel) or has_agency):
            continue
        rows = list(model.objects.filter(agency=agency).order_by("pk").values())
        digest.update(json.dumps([model._meta.label, rows], sort_keys=True, default=str).encode())
    grants = ProjectUserObjectPermission.objects.filter(content_object__agency=agency)
    digest.update(json.dumps(sorted(grants.values_list("pk", flat=True))).encode())
    return digest.hexdigest()


@pytest.fixture
def two_tenants(catalog):
    a, b = AgencyFactory(slug="alpha-agency"), AgencyFactory(slug="beta-agency")
    a_owner = MembershipFactory(agency=a, role=Role.OWNER)
    b_owner = MembershipFactory(agency=b, role=Role.OWNER)
    return {
        "a": a,
        "b": b,
        "a_owner": a_owner,
        "a_objects": tenant_objects(a, a_owner),
        "b_objects": tenant_objects(b, b_owner),
    }


def _body(objects: dict[str, str]) -> dict:
    # A write stuffed with the other agency's ids under every name a form might use.
    body = {"role": "admin", "email": "x@example.test", "name": "x", "expires_in_days": 30}
    for key, value in objects.items():
        body[key] = value
        body[key.removesuffix("_id")] = value
    return body


def _request(client: Client, method: str, url: str, body: dict, **extra):
    if method == "get":
        return client.get(url, **extra)
    if method == "post":
        return client.post(url, body, **extra)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **extra)


def scoped_routes():
    return [r for r in all_routes() if r.is_agency_scoped]


def test_every_route_is_either_agency_scoped_or_explicitly_unscoped():
    uncovered = [
        f"/{r.route} (name={r.name})"
        for r in all_routes()
        if not r.is_agency_scoped and not _is_unscoped(r.name)
    ]
    assert not uncovered, (
        "Routes outside the agency scope must be listed in UNSCOPED with a reason: "
        + ", ".join(uncovered)
    )


def test_scoped_routes_are_found():
    names = {r.name for r in scoped_routes()}
    # Guards the walker itself: if it stopped seeing routes, the tests below would pass vacuously.
    assert {"dashboard", "members", "member_role", "api_members", "api_invitation"} <= names


def test_member_of_another_agency_gets_404_for_every_route_and_method(two_tenants, login):
    client = login(two_tenants["a_owner"])
    b_objects = two_tenants["b_objects"]
    before = snapshot()
    failures = []
    for route in scoped_routes():
        missing = [k for k in route.kwargs if k not in b_objects]
        assert not missing, f"/{route.route}: add an object for {missing} to tenant_objects()"
        url = route.url(b_objects)
        for method in METHODS:
            response = _request(client, method, url, _body(b_objects))
            if response.status_code != 404:
                failures.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not failures, "Expected 404:\n" + "\n".join(failures)
    assert snapshot() == before


def test_own_agency_address_with_the_other_agencys_object_ids_answers_as_for_a_missing_id(
    two_tenants, login
):
    """The subtler leak: /alpha/.../<an id of beta's>/ must answer exactly as for an id that
    exists nowhere: 404, or 405 where the route does not take the method at all."""
    client = login(two_tenants["a_owner"])
    a_slug = two_tenants["a"].slug
    foreign = {**two_tenants["b_objects"], "agency_slug": a_slug}
    missing = {key: str(uuid.uuid4()) for key in two_tenants["b_objects"]}
    missing["agency_slug"] = a_slug
    before = snapshot()
    failures = []
    routes = [r for r in scoped_routes() if len(r.kwargs) > 1]
    assert routes, "no route addresses an object by id; the walker found nothing to check"
    for route in routes:
        for method in METHODS:
            body = _body(two_tenants["b_objects"])
            got = _request(client, method, route.url(foreign), body).status_code
            expected = _request(client, method, route.url(missing), body).status_code
            if got != expected or got not in (404, 405):
                failures.append(f"{method.upper()} /{route.route}: {got} (missing id: {expected})")
    assert not failures, "Foreign ids must look missing:\n" + "\n".join(failures)
    assert snapshot() == before


def test_token_bound_to_one_agency_gets_404_in_another_even_for_a_member_of_both(two_tenants):
    user = UserFactory()
    a_membership = MembershipFactory(agency=two_tenants["a"], user=user, role=Role.OWNER)
    MembershipFactory(agency=two_tenants["b"], user=user, role=Role.OWNER)
    _, raw = services.api_token_create(actor=a_membership, name="a only", expires_in_days=7)
    client = bearer(raw)
    b_objects = two_tenants["b_objects"]
    before = snapshot()
    failures = []
    for route in (r for r in scoped_routes() if r.is_api):
        url = route.url(b_objects)
        for method in METHODS:
            response = _request(client, method, url, _body(b_objects))
            if response.status_code != 404:
                failures.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not failures, "Expected 404:\n" + "\n".join(failures)
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in_or_get_401(two_tenants):
    client = Client()
    b_objects = two_tenants["b_objects"]
    before = snapshot()
    failures = []
    login_url = reverse("account_login")
    for route in scoped_routes():
        url = route.url(b_objects)
        for method in METHODS:
            response = _request(client, method, url, _body(b_objects))
            if route.is_api:
                ok = response.status_code == 401 and response.json()["error"]["status"] == 401
            else:
                ok = response.status_code == 302 and response["Location"].startswith(login_url)
            if not ok:
                failures.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not failures, "Expected sign-in redirect or 401:\n" + "\n".join(failures)
    assert snapshot() == before


def test_writes_in_ones_own_agency_carrying_the_other_agencys_ids_leave_it_untouched(
    two_tenants, login
):
    """Every write route of agency A, called by A's owner with A's path and B's ids in the
    body: agency B's rows stay exactly as they were."""
    client = login(two_tenants["a_owner"])
    b = two_tenants["b"]
    b_objects = two_tenants["b_objects"]

    def b_rows():
        return agency_fingerprint(b)

    before = b_rows()
    a_objects = tenant_objects(two_tenants["a"], two_tenants["a_owner"])
    for route in scoped_routes():
        for method in ["post", "put", "patch", "delete"]:
            # Each write is undone afterwards, so every route meets the same objects in A.
            with rolled_back():
                _request(client, method, route.url(a_objects), _body(b_objects))
                assert b_rows() == before, f"{method.upper()} /{route.route} changed agency B"
    assert b_rows() == before


def test_join_route_refuses_an_invitation_addressed_to_someone_else(two_tenants, login):
    intruder = login(two_tenants["a_owner"])
    response = intruder.post(
        reverse("invitation_join", args=[two_tenants["b_objects"]["invitation_id"]])
    )
    assert response.status_code == 404
