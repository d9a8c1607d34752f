"""Every agency page renders for every role that may see it, with real objects behind it:
a template error anywhere shows up here as a 500."""

from datetime import time

import pytest
from django.test import Client

from apps.agencies.mixins import allowed
from apps.agencies.roles import Role
from tests.factories import MembershipFactory
from tests.support.copy import copy_faults
from tests.support.routes import all_routes
from tests.support.tenants import tenant_objects

PAGES = [
    r
    for r in all_routes()
    if r.is_agency_scoped
    and not r.is_api
    and hasattr(r.view, "get")
    # A form's target that inherits its page's get() but answers only POST is not a page.
    and "get" in getattr(r.view, "http_method_names", ["get"])
]


def test_pages_are_found():
    assert {"dashboard", "project_detail", "item_detail", "my_work", "portal"} <= {
        r.name for r in PAGES
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_page_renders_for_every_role(role, agency, catalog):
    owner = MembershipFactory(agency=agency, role=Role.OWNER)
    member = owner if role == Role.OWNER else MembershipFactory(agency=agency, role=role)
    # Their own membership: anyone may open "leave the agency", only admins "remove".
    objects = {**tenant_objects(agency, owner, viewer=member), "member_id": str(member.pk)}
    client = Client()
    client.force_login(member.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    failures = []
    for route in PAGES:
        response = client.get(route.url(objects))
        rule = getattr(route.view, "required_capability", None)
        expected = {200, 302} if allowed(member, rule, "GET", route.view) else {403}
        if response.status_code not in expected:
            failures.append(f"{role} GET /{route.route}: {response.status_code}")
        elif response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            failures += [f"{role} GET /{route.route}: {e}" for e in copy_faults(response)]
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_a_new_agencys_empty_pages_have_no_empty_buttons(agency, login):
    """Empty states, where the availability page drew a button with no label when no date
    override was coming up (it inherited the form's `action_url`)."""
    from apps.bookings import services as booking_services

    owner = MembershipFactory(agency=agency, role=Role.OWNER)
    # Weekly hours and no override: the availability page's empty state.
    booking_services.schedule_save(
        actor=owner, member=owner, time_zone="Europe/Berlin",
        weekly={0: [(time(9), time(17))]},
    )  # fmt: skip
    client = login(owner)
    failures = []
    for name in ("dashboard", "projects", "clients", "my_work", "bookings", "availability"):
        route = next(r for r in PAGES if r.name == name)
        response = client.get(route.url({"agency_slug": agency.slug}))
        assert response.status_code == 200, name
        failures += [f"{name}: {fault}" for fault in copy_faults(response)]
    assert not failures, "\n".join(failures)
