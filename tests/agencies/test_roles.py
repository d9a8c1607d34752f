"""Roles: the capability table says what each role may do, and every page and endpoint that
names a capability gives each role exactly that."""

import pytest
from django.test import Client

from apps.agencies.mixins import allowed
from apps.agencies.roles import CAPABILITIES, Capability, Role, role_can
from tests.factories import MembershipFactory
from tests.support.routes import all_routes
from tests.support.tenants import rolled_back, tenant_objects

C = Capability

# DESIGN.md's roles table, written out again by hand so that a change to roles.py that
# drifts from the design fails here. (client-contact "own data" covers export and tokens.)
EXPECTED = {
    C.MANAGE_AGENCY: {Role.OWNER, Role.ADMIN},
    C.MANAGE_OWNERS: {Role.OWNER},
    C.MANAGE_ENGAGEMENTS: {Role.OWNER, Role.ADMIN},
    C.VIEW_ALL_ENGAGEMENTS: {Role.OWNER, Role.ADMIN},
    C.VIEW_ASSIGNED_ENGAGEMENTS: {Role.OWNER, Role.ADMIN, Role.ENGINEER},
    C.VIEW_OWN_CLIENT_ENGAGEMENTS: {Role.CLIENT},
    C.EDIT_ALL_CHECKLISTS: {Role.OWNER, Role.ADMIN},
    C.EDIT_ASSIGNED_CHECKLISTS: {Role.OWNER, Role.ADMIN, Role.ENGINEER},
    C.COMMENT_ON_CHECKLISTS: {Role.OWNER, Role.ADMIN, Role.ENGINEER, Role.CLIENT},
    C.RUN_ALL_SCANS: {Role.OWNER, Role.ADMIN},
    C.RUN_ASSIGNED_SCANS: {Role.OWNER, Role.ADMIN, Role.ENGINEER},
    C.VIEW_SCAN_SUMMARY: {Role.OWNER, Role.ADMIN, Role.ENGINEER, Role.CLIENT},
    C.MANAGE_OFFERS: {Role.OWNER, Role.ADMIN},
    C.MANAGE_OWN_AVAILABILITY: {Role.OWNER, Role.ADMIN, Role.ENGINEER},
    C.BOOK_CONSULTATION: {Role.OWNER, Role.ADMIN, Role.ENGINEER, Role.CLIENT},
    C.VIEW_AUDIT_LOG: {Role.OWNER, Role.ADMIN},
    C.MANAGE_OWN_DATA: {Role.OWNER, Role.ADMIN, Role.ENGINEER, Role.CLIENT},
    C.USE_STAFF_APP: {Role.OWNER, Role.ADMIN, Role.ENGINEER},
}


def test_every_capability_is_in_the_expected_table():
    assert set(EXPECTED) == set(Capability)


@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_holds_exactly_the_capabilities_of_the_table(role, capability):
    assert role_can(role, capability) == (role in EXPECTED[capability])
    assert (capability in CAPABILITIES[role]) == (role in EXPECTED[capability])


def _gated_routes():
    """Agency pages and endpoints whose view names a capability (directly or per method)."""
    return [
        r
        for r in all_routes()
        if r.is_agency_scoped and getattr(r.view, "required_capability", None) is not None
    ]


def test_gated_routes_are_found():
    names = {r.name for r in _gated_routes()}
    assert {"members", "invitations", "audit_log", "api_members", "api_invitations"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_what_the_table_allows_on_every_gated_route(role, agency, catalog):
    owner = MembershipFactory(agency=agency, role=Role.OWNER)
    member = owner if role == Role.OWNER else MembershipFactory(agency=agency, role=role)
    client = Client()
    client.force_login(member.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    wrong = []
    objects = tenant_objects(agency, owner, viewer=member)
    for route in _gated_routes():
        rule = route.view.required_capability
        url = route.url(objects)
        for method in ("get", "post", "patch", "delete"):
            if not hasattr(route.view, method) or method not in route.view.http_method_names:
                continue
            with rolled_back():
                response = getattr(client, method)(url, content_type="application/json")
            permitted = allowed(member, rule, method.upper(), route.view)
            if permitted and response.status_code in (401, 403, 404):
                wrong.append(
                    f"{role} {method.upper()} {url}: {response.status_code}, expected allowed"
                )
            if not permitted and response.status_code != 403:
                wrong.append(f"{role} {method.upper()} {url}: {response.status_code}, expected 403")
    assert not wrong, "\n".join(wrong)


def test_per_method_rules_cover_every_method_the_view_handles():
    """A view with a per-method rule must name each method it implements; an unnamed one
    would be refused at run time, which is safe but surely a mistake."""
    missing = []
    for route in _gated_routes():
        rule = route.view.required_capability
        if isinstance(rule, dict):
            for method in ("get", "post", "put", "patch", "delete"):
                if hasattr(route.view, method) and method.upper() not in rule:
                    missing.append(f"{route.name}: {method.upper()}")
    assert not missing, missing
