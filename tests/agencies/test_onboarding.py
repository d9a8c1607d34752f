"""Creating an agency: the first thing a new person does, and every way it can go wrong."""

import pytest
from django.urls import reverse

from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_new_user_without_membership_is_led_to_onboarding(login):
    client = login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding")


def test_creating_an_agency_makes_the_creator_its_owner(login):
    user = UserFactory()
    client = login(user)
    response = client.post(
        reverse("onboarding"),
        {"name": "Bright Labs", "slug": "bright-labs", "time_zone": "America/New_York"},
    )
    agency = Agency.objects.get(slug="bright-labs")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=["bright-labs"])
    assert agency.time_zone == "America/New_York"
    membership = Membership.objects.get(agency=agency, user=user)
    assert membership.role == Role.OWNER
    assert AuditEvent.objects.filter(agency=agency, verb=Verb.AGENCY_CREATED, actor=user).exists()
    dashboard = client.get(response["Location"])
    assert dashboard.status_code == 200
    assert b"Bright Labs" in dashboard.content


def test_slug_is_derived_from_the_name_when_left_empty(login):
    client = login(UserFactory())
    client.post(reverse("onboarding"), {"name": "Ünïcode & Co", "slug": "", "time_zone": "UTC"})
    assert Agency.objects.filter(slug="unicode-co").exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("api", "reserved"),
        ("accounts", "reserved"),
        ("book", "reserved"),
        ("Has Spaces", "lowercase letters"),
        ("ab", "3 to 50"),
        ("-leading", "starting and ending"),
        ("double--hyphen", "single hyphens"),
        ("x" * 51, "at most 50"),
    ],
)
def test_bad_slugs_are_refused_with_a_reason_and_nothing_is_created(login, slug, message):
    client = login(UserFactory())
    response = client.post(
        reverse("onboarding"), {"name": "Bright Labs", "slug": slug, "time_zone": "UTC"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not Agency.objects.exists()
    assert not Membership.objects.exists()


def test_duplicate_slug_is_refused(login):
    AgencyFactory(slug="taken")
    client = login(UserFactory())
    response = client.post(
        reverse("onboarding"), {"name": "Another", "slug": "taken", "time_zone": "UTC"}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Agency.objects.count() == 1
    assert not Membership.objects.exists()


def test_oversized_name_and_unknown_time_zone_are_refused(login):
    client = login(UserFactory())
    response = client.post(
        reverse("onboarding"), {"name": "n" * 121, "slug": "fine-slug", "time_zone": "Mars/Base"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "at most 120 characters" in body
    assert "Mars/Base is not one of the available choices" in body
    assert not Agency.objects.exists()


def test_onboarding_needs_sign_in(client):
    response = client.get(reverse("onboarding"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_user_with_several_agencies_gets_the_agency_picker(login):
    user = UserFactory()
    first, second = AgencyFactory(name="Alpha"), AgencyFactory(name="Beta")
    MembershipFactory(agency=first, user=user, role=Role.OWNER)
    MembershipFactory(agency=second, user=user, role=Role.ENGINEER)
    response = login(user).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose an agency" in body
    assert reverse("dashboard", args=[first.slug]) in body
    assert reverse("dashboard", args=[second.slug]) in body


def test_switcher_lists_every_agency_of_the_user(login):
    user = UserFactory()
    first, second = AgencyFactory(name="Alpha"), AgencyFactory(name="Beta")
    MembershipFactory(agency=first, user=user, role=Role.OWNER)
    MembershipFactory(agency=second, user=user, role=Role.CLIENT)
    body = login(user).get(reverse("dashboard", args=[first.slug])).content.decode()
    assert "Switch agency, current: Alpha" in body
    assert reverse("dashboard", args=[second.slug]) in body
