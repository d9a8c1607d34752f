"""Accounts: sign-up with mandatory email verification, sign-in and its rate limit, the audit
of account events, and the profile."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.audit.models import AuditEvent, Verb
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _sign_up(client, email="founder@example.test", password="a-long-passphrase-1", **extra):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": password,
            "password2": password,
            "name": "Fran Founder",
            "time_zone": "Europe/Lisbon",
            **extra,
        },
    )


def test_sign_up_requires_email_verification_before_anything_else(client):
    response = _sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="founder@example.test")
    assert user.name == "Fran Founder"
    assert user.time_zone == "Europe/Lisbon"
    assert not EmailAddress.objects.get(user=user).verified
    # Not signed in yet: the app sends them to sign in.
    assert client.get(reverse("onboarding")).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body)
    confirm = client.post(link.group(1))
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    # Verified and signed in: led to create an agency.
    home = client.get(reverse("home"))
    assert home["Location"] == reverse("onboarding")


def test_sign_in_before_verification_is_refused(client):
    _sign_up(client)
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "founder@example.test", "password": "a-long-passphrase-1"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"password1": "short", "password2": "short"}, "too short"),
        ({"password2": "something-else-entirely"}, "same password"),
        ({"name": "n" * 151}, "at most 150 characters"),
    ],
)
def test_bad_sign_up_input_is_refused_and_creates_nothing(client, overrides, message):
    data = {
        "email": "x@example.test",
        "password1": "a-long-passphrase-1",
        "password2": "a-long-passphrase-1",
        "name": "X",
        "time_zone": "UTC",
        **overrides,
    }
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_odd_browser_time_zone_falls_back_to_utc(client):
    _sign_up(client, time_zone="Not/AZone")
    assert User.objects.get().time_zone == "UTC"


def test_duplicate_email_sign_up_creates_no_second_account(client):
    UserFactory(email="taken@example.test")
    _sign_up(client, email="Taken@Example.test")
    assert User.objects.filter(email__iexact="taken@example.test").count() == 1


def test_sign_in_and_failed_sign_in_are_audited(db):
    user = UserFactory(email="someone@example.test")
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"})
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    events = list(AuditEvent.objects.filter(actor=user).order_by("created_at"))
    assert [e.verb for e in events] == [Verb.LOGIN_FAILED, Verb.LOGIN]
    assert all(e.ip_address == "203.0.113.9" for e in events)
    assert events[0].agency is None
    page = client.get(reverse("account_security")).content.decode()
    assert "Failed sign-in" in page
    assert "203.0.113.9" in page


def test_failed_sign_in_for_an_unknown_address_is_recorded_without_an_actor(client):
    client.post(reverse("account_login"), {"login": "ghost@example.test", "password": "x" * 12})
    event = AuditEvent.objects.get(verb=Verb.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_email == "ghost@example.test"


def test_repeated_failed_sign_ins_are_rate_limited(db):
    user = UserFactory(email="target@example.test")
    client = Client()
    statuses = []
    for _ in range(6):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "wrong-password"}
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [200] * 5
    # The sixth attempt is refused before the password is even checked, so even the right
    # password does not get in until the window passes.
    locked = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert locked.status_code in (200, 429)
    assert "Too many failed login attempts" in locked.content.decode()


def test_profile_update_changes_name_and_time_zone_and_is_audited(login):
    user = UserFactory(time_zone="UTC")
    client = login(user)
    response = client.post(
        reverse("profile"), {"name": "New Name", "time_zone": "Australia/Sydney"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.time_zone) == ("New Name", "Australia/Sydney")
    event = AuditEvent.objects.get(verb=Verb.PROFILE_UPDATED)
    assert event.changes["time_zone"] == ["UTC", "Australia/Sydney"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "time_zone": "Nowhere/Special"}, "Select a valid choice"),
        ({"name": "n" * 151, "time_zone": "UTC"}, "at most 150 characters"),
    ],
)
def test_bad_profile_input_changes_nothing(login, data, message):
    user = UserFactory(name="Kept", time_zone="UTC")
    response = login(user).post(reverse("profile"), data)
    assert message in response.content.decode()
    user.refresh_from_db()
    assert (user.name, user.time_zone) == ("Kept", "UTC")


def test_pages_render_times_in_the_viewers_time_zone(login, owner, agency):
    from datetime import UTC, datetime

    from apps.audit.services import audit_record

    owner.user.time_zone = "Asia/Kolkata"
    owner.user.save()
    event = audit_record(verb=Verb.AGENCY_UPDATED, actor=owner.user, agency=agency)
    AuditEvent.objects.filter(pk=event.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    page = login(owner).get(reverse("audit_log", args=[agency.slug])).content.decode()
    assert "1 Jan 2026, 05:30:00 IST" in page


def test_password_reset_sends_a_link_and_refuses_a_forged_key(client):
    UserFactory(email="forgetful@example.test")
    client.post(reverse("account_reset_password"), {"email": "forgetful@example.test"})
    assert len(mail.outbox) == 1
    forged = client.get("/accounts/password/reset/key/1-forged-key/")
    assert forged.status_code == 200
    assert "Bad Token" in forged.content.decode() or "invalid" in forged.content.decode()
