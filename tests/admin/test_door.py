"""The operators' door (issue 10): /admin/ sits behind allauth's sign-in, with its rate limits,
a verified address and a sign-in that used the authenticator; a staff password alone opens
nothing, and people who are not operators never see the admin."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY as TOTP_SECRET_SESSION_KEY
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.audit.models import AuditEvent, Verb
from tests.admin.conftest import session_signed_in
from tests.factories import PASSWORD, MembershipFactory
from tests.support.mfa import reauthenticate, sign_in, totp_code

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
CLIENTS = "/admin/clients/client/"


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _message(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_admin_sign_in_page_is_allauths(operator):
    response = Client().get(f"/admin/login/?next={CLIENTS}")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={quote(CLIENTS)}"


@pytest.mark.parametrize(
    ("next_url", "lands_on"), [(CLIENTS, CLIENTS), ("https://elsewhere.test/", ADMIN)]
)
def test_a_signed_in_operator_at_the_sign_in_page_goes_on(operator_client, next_url, lands_on):
    response = operator_client.get(f"/admin/login/?next={quote(next_url)}")

    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_a_staff_password_posted_to_the_admin_signs_nobody_in(operator):
    """The failure: /admin/login/ took unlimited guesses, then the right password was a full
    session. Now it takes no password at all; the guesses meet allauth's limit instead."""
    client = Client()
    for _ in range(20):
        client.post("/admin/login/", {"username": operator.email, "password": "wrong-guess-1"})
    response = client.post("/admin/login/", {"username": operator.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not _signed_in(client)
    assert client.get(ADMIN).status_code == 302


def test_password_guesses_stop_at_allauths_limit(operator):
    client = Client()
    for _ in range(5):  # RATE_LIMIT_LOGIN_FAILED: 5 per 5 minutes per account
        client.post(reverse("account_login"), {"login": operator.email, "password": "wrong-1"})

    locked = client.post(reverse("account_login"), {"login": operator.email, "password": PASSWORD})

    assert "Too many failed login attempts" in locked.content.decode()
    assert not _signed_in(client)
    assert client.get(ADMIN)["Location"].startswith(reverse("account_login"))


def test_a_password_only_staff_session_is_sent_to_enrol(make_operator):
    """Staff without an authenticator sign in with their password (allauth lets them), but
    the admin sends them to turn two-factor authentication on."""
    staff = make_operator(mfa=False)
    client = sign_in(staff)
    assert _signed_in(client)

    for path in (ADMIN, CLIENTS, "/admin/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    assert "two-factor authentication" in _message(response)
    assert not AuditEvent.objects.filter(verb=Verb.ADMIN_LOGIN).exists()


@pytest.mark.parametrize("methods", [("password",), ("password", "mfa-reauth")])
def test_a_sign_in_that_skipped_the_authenticator_is_refused(operator, methods):
    """Enrolled, but this session's sign-in did not use the authenticator (it was turned on
    after signing in, or only a later re-authentication used it): sign in again."""
    client = session_signed_in(operator, *methods)

    response = client.get(CLIENTS)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_logout")
    assert "sign in again" in _message(response)
    assert not AuditEvent.objects.filter(verb=Verb.ADMIN_LOGIN).exists()


def test_an_unverified_address_is_refused(make_operator):
    staff = make_operator(verified=False)
    client = session_signed_in(staff, "password", "mfa")

    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email")
    assert "verify" in _message(response).lower()


def test_password_and_authenticator_open_the_admin_and_the_sign_in_is_audited(operator):
    client = sign_in(operator, secret=operator.totp_secret)

    assert client.get(ADMIN).status_code == 200
    assert client.get(CLIENTS).status_code == 200

    (event,) = AuditEvent.objects.filter(verb=Verb.ADMIN_LOGIN)
    assert event.actor == operator
    assert event.agency is None
    assert event.changes == {"methods": ["mfa", "password"]}


def test_signing_in_again_is_a_new_admin_sign_in(operator):
    for _ in range(2):
        client = session_signed_in(operator, "password", "mfa")
        client.get(ADMIN)
        client.get(CLIENTS)

    assert AuditEvent.objects.filter(verb=Verb.ADMIN_LOGIN, actor=operator).count() == 2


@pytest.mark.parametrize("path", [ADMIN, CLIENTS, "/admin/login/", "/admin/no/such/page/"])
def test_people_who_are_not_operators_get_404(agency, path):
    member = MembershipFactory(agency=agency)
    client = session_signed_in(member.user, "password", "mfa")

    response = client.get(path)

    assert response.status_code == 404
    assert b"Launchpad operators" not in response.content


@pytest.mark.parametrize("path", [ADMIN, CLIENTS])
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={quote(path)}"


def test_a_deactivated_operator_is_out(operator, operator_client):
    assert operator_client.get(ADMIN).status_code == 200
    operator.is_active = False
    operator.save(update_fields=["is_active"])

    response = operator_client.get(ADMIN)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_out_and_password_change_go_through_allauth(operator_client):
    assert operator_client.post("/admin/logout/")["Location"] == reverse("account_logout")
    assert operator_client.get("/admin/password_change/")["Location"] == reverse(
        "account_change_password"
    )


def test_the_runbook_brings_a_new_operator_in(monkeypatch, mailoutbox):
    """docs/operations.md: createsuperuser, verify the address, turn two-factor on, sign in
    again with a code, open /admin/."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", email="ops@launchpad.test", interactive=False, verbosity=0)
    client = Client()

    # The first sign-in mails a verification link and signs nobody in.
    client.post(reverse("account_login"), {"login": "ops@launchpad.test", "password": PASSWORD})
    assert not _signed_in(client)
    (link,) = re.findall(r"http://testserver(/accounts/confirm-email/\S+/)", mailoutbox[-1].body)
    client.post(link)
    client.post(reverse("account_login"), {"login": "ops@launchpad.test", "password": PASSWORD})
    assert _signed_in(client)

    # Password only: the admin sends the operator to turn two-factor authentication on.
    assert client.get(ADMIN)["Location"] == reverse("mfa_activate_totp")
    reauthenticate(client)  # allauth asks for the password again before two-factor changes
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[TOTP_SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302

    # Still this password-only sign-in: sign out, and in again with a code.
    assert client.get(ADMIN)["Location"] == reverse("account_logout")
    client.post(reverse("account_logout"))
    operator = User.objects.get(email="ops@launchpad.test")
    client = sign_in(operator, secret=secret)

    assert client.get(ADMIN).status_code == 200
