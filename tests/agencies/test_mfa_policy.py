"""An agency may require two-factor authentication of its members (issue 10, item 7): owners and
admins turn it on in the settings; members without an authenticator are sent to enrol at
sign-in and on every page of that agency, whatever their role; the API refuses their tokens
with a 403 that says what to do. Enrolment, sign-out and their own account pages stay open."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.agencies import services
from apps.agencies.models import Agency
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from apps.core.errors import ApplicationError, PermissionDeniedError
from tests.factories import AgencyFactory, MembershipFactory
from tests.support.api import assert_error, bearer
from tests.support.mfa import enrol, reauthenticate, sign_in

pytestmark = pytest.mark.django_db

ENROL_URL = reverse("mfa_activate_totp")


def _require(agency: Agency) -> Agency:
    Agency.objects.filter(pk=agency.pk).update(require_mfa=True)
    agency.refresh_from_db()
    return agency


def _policy_url(agency: Agency) -> str:
    return reverse("agency_mfa_policy", args=[agency.slug])


def _enrolled_member_asks_to_require_it(agency, role, make_member, login):
    member = make_member(agency, role)
    enrol(member.user)
    return member, login(member).post(_policy_url(agency), {"require_mfa": "on"})


def _assert_policy_unchanged(agency: Agency) -> None:
    agency.refresh_from_db()
    assert agency.require_mfa is False
    assert not AuditEvent.objects.filter(verb=Verb.MFA_POLICY_CHANGED).exists()


# --- Turning it on --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owner_or_admin_turns_it_on_and_it_is_audited(role, agency, make_member, login):
    member, response = _enrolled_member_asks_to_require_it(agency, role, make_member, login)
    assert response.status_code == 302
    assert response["Location"] == reverse("agency_settings", args=[agency.slug])
    agency.refresh_from_db()
    assert agency.require_mfa is True
    event = AuditEvent.objects.get(verb=Verb.MFA_POLICY_CHANGED)
    assert event.agency_id == agency.pk
    assert event.actor_id == member.user_id
    assert event.changes == {"require_mfa": [False, True]}


def test_turning_it_off_is_audited_too(owner, agency, login):
    enrol(owner.user)
    _require(agency)
    response = login(owner).post(_policy_url(agency), {})
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.require_mfa is False
    assert AuditEvent.objects.get(verb=Verb.MFA_POLICY_CHANGED).changes == {
        "require_mfa": [True, False]
    }


def test_the_policy_address_itself_shows_the_settings_page(owner, agency, login):
    response = login(owner).get(_policy_url(agency))
    assert response.status_code == 302
    assert response["Location"] == reverse("agency_settings", args=[agency.slug])


def test_the_general_settings_still_save_beside_the_policy(owner, agency, login):
    enrol(owner.user)
    response = login(owner).post(
        reverse("agency_settings", args=[agency.slug]), {"name": "Renamed", "time_zone": "UTC"}
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.name, agency.require_mfa) == ("Renamed", False)


def test_saving_the_same_policy_records_nothing(owner, agency, login):
    enrol(owner.user)
    login(owner).post(_policy_url(agency), {})
    assert not AuditEvent.objects.filter(verb=Verb.MFA_POLICY_CHANGED).exists()


def test_settings_page_shows_the_policy_and_who_has_not_enrolled(owner, engineer, agency, login):
    enrol(owner.user)
    page = login(owner).get(reverse("agency_settings", args=[agency.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="require_mfa"' in html
    assert f'action="{_policy_url(agency)}"' in html
    assert "1 of 2 members has not set up two-factor authentication" in html


def test_an_admin_without_an_authenticator_cannot_turn_it_on(owner, agency, login):
    """Requiring what you have not done yourself would send you to enrol at once: the form
    says so, and nothing changes."""
    response = login(owner).post(_policy_url(agency), {"require_mfa": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Set up two-factor authentication for your own account first" in page
    _assert_policy_unchanged(agency)


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.CLIENT])
def test_other_roles_cannot_change_the_policy(role, agency, make_member, login):
    _, response = _enrolled_member_asks_to_require_it(agency, role, make_member, login)
    assert response.status_code == 403
    _assert_policy_unchanged(agency)


def test_the_service_refuses_other_roles(engineer, agency):
    enrol(engineer.user)
    with pytest.raises(PermissionDeniedError):
        services.agency_set_mfa_policy(actor=engineer, agency=agency, require_mfa=True)
    _assert_policy_unchanged(agency)


def test_the_service_refuses_another_agencys_owner_as_not_found(agency, other_agency, make_member):
    stranger = make_member(other_agency, Role.OWNER)
    enrol(stranger.user)
    with pytest.raises(ApplicationError) as refused:
        services.agency_set_mfa_policy(actor=stranger, agency=agency, require_mfa=True)
    assert refused.value.status == 404
    _assert_policy_unchanged(agency)


# --- Members who have not enrolled ----------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.ENGINEER, Role.CLIENT])
def test_every_role_without_an_authenticator_is_sent_to_enrol(role, agency, make_member, login):
    member = make_member(agency, role)
    _require(agency)
    client = login(member)
    response = client.get(reverse("dashboard", args=[agency.slug]))
    assert response.status_code == 302
    assert response["Location"] == ENROL_URL
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert agency.name in message
    assert "requires two-factor authentication" in message


def test_a_write_to_the_agency_is_refused_until_enrolled(owner, agency, login):
    _require(agency)
    response = login(owner).post(
        reverse("agency_settings", args=[agency.slug]), {"name": "Renamed", "time_zone": "UTC"}
    )
    assert response.status_code == 302
    assert response["Location"] == ENROL_URL
    agency.refresh_from_db()
    assert agency.name != "Renamed"


def test_htmx_requests_are_sent_to_enrol_with_a_full_page_redirect(engineer, agency, login):
    _require(agency)
    response = login(engineer).get(reverse("dashboard", args=[agency.slug]), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == ENROL_URL


def test_enrolled_members_work_as_before(engineer, agency, login):
    _require(agency)
    enrol(engineer.user)
    assert login(engineer).get(reverse("dashboard", args=[agency.slug])).status_code == 200


def test_only_the_requiring_agency_asks(engineer, agency, login):
    _require(agency)
    relaxed = AgencyFactory()
    MembershipFactory(agency=relaxed, user=engineer.user, role=Role.ENGINEER)
    client = login(engineer)
    assert client.get(reverse("dashboard", args=[relaxed.slug])).status_code == 200
    assert client.get(reverse("dashboard", args=[agency.slug]))["Location"] == ENROL_URL


def test_a_non_member_still_gets_404_not_the_enrolment_page(engineer, login):
    other = _require(AgencyFactory())
    assert login(engineer).get(reverse("dashboard", args=[other.slug])).status_code == 404


@pytest.mark.parametrize(
    "url_name",
    ["mfa_index", "profile", "account_security", "account_email", "usersessions_list"],
)
def test_account_and_enrolment_pages_stay_reachable(url_name, engineer, agency, login):
    _require(agency)
    response = login(engineer).get(reverse(url_name))
    assert response.status_code == 200


def test_the_enrolment_page_itself_is_reachable(engineer, agency):
    _require(agency)
    client = sign_in(engineer.user)
    # allauth asks for the password first (a fresh sign-in is not a re-authentication)...
    first = client.get(ENROL_URL)
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("account_reauthenticate"))
    # ...then shows the authenticator app's QR code and asks for its code.
    reauthenticate(client)
    page = client.get(ENROL_URL)
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()


def test_sign_out_stays_reachable(engineer, agency, login):
    _require(agency)
    client = login(engineer)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_in_asks_to_enrol(engineer, agency):
    _require(agency)
    client = sign_in(engineer.user)
    landing = client.get(reverse("home"))
    assert landing.status_code == 302
    assert landing["Location"] == ENROL_URL


def test_sign_in_asks_to_enrol_even_with_several_agencies(engineer, agency):
    _require(agency)
    MembershipFactory(agency=AgencyFactory(), user=engineer.user, role=Role.ENGINEER)
    client = sign_in(engineer.user)
    assert client.get(reverse("home"))["Location"] == ENROL_URL


# --- The API ----------------------------------------------------------------------------


def _token(member):
    return services.api_token_create(actor=member, name="ci", expires_in_days=30)[1]


def test_api_refuses_the_token_of_a_member_who_has_not_enrolled(engineer, agency):
    raw = _token(engineer)
    _require(agency)
    response = bearer(raw).get(reverse("api_members", args=[agency.slug]))
    error = assert_error(response, 403, code="mfa_required")
    assert agency.name in error["message"]
    assert "two-factor" in error["message"]
    assert "/accounts/2fa/" in error["message"]
    assert_error(bearer(raw).get("/api/v1/me"), 403, code="mfa_required")


def test_refusing_a_genuine_token_does_not_count_as_a_failed_attempt(engineer, agency, settings):
    """Not a guess: however often it is refused, the address is not locked out, and the token
    works as soon as its member has enrolled."""
    settings.API_TOKEN_FAILURES_PER_MINUTE = 2
    raw = _token(engineer)
    _require(agency)
    for _ in range(3):
        assert_error(bearer(raw).get("/api/v1/me"), 403, code="mfa_required")
    enrol(engineer.user)
    assert bearer(raw).get("/api/v1/me").status_code == 200


def test_api_accepts_the_token_once_enrolled(engineer, agency):
    raw = _token(engineer)
    _require(agency)
    enrol(engineer.user)
    assert bearer(raw).get(reverse("api_members", args=[agency.slug])).status_code == 200


def test_api_refuses_a_session_of_a_member_who_has_not_enrolled(engineer, agency, login):
    _require(agency)
    response = login(engineer).get(reverse("api_members", args=[agency.slug]))
    assert_error(response, 403, code="mfa_required")


def test_api_token_of_an_agency_without_the_requirement_works(engineer, agency):
    raw = _token(engineer)
    assert bearer(raw).get(reverse("api_members", args=[agency.slug])).status_code == 200
