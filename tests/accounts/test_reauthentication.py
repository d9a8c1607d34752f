"""Re-authentication before changing email, password or two-factor settings (issue 10, item 7):
a session someone left open, or stole, cannot change how the account is reached or protected
without the password; a re-authentication holds for ACCOUNT_REAUTHENTICATION_TIMEOUT."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from allauth.account.internal.flows import login as login_flow
from allauth.account.internal.flows import reauthentication
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.support.mfa import enrol, reauthenticate, sign_in

pytestmark = pytest.mark.django_db

REAUTH_URL = reverse("account_reauthenticate")
EMAIL_URL = reverse("account_email")
NEW_PASSWORD = "a-brand-new-passphrase-7"


@pytest.fixture
def later(monkeypatch):
    """Moves allauth's clock for authentication records on by `seconds`, as if the person had
    left the page open that long (only the modules that record and check them: sessions and
    rate limits are untouched)."""
    offset = 0.0

    def now() -> float:
        return time.time() + offset

    clock = SimpleNamespace(time=now)
    monkeypatch.setattr(reauthentication, "time", clock)
    monkeypatch.setattr(login_flow, "time", clock)

    def move(seconds: float) -> None:
        nonlocal offset
        offset += seconds

    return move


def _past_the_timeout(later) -> None:
    later(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)


def _asks_for_the_password(response, next_url: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH_URL}?next={next_url.replace('/', '%2F')}"


def test_the_timeout_is_short_and_only_a_password_or_authenticator_re_authenticates():
    assert settings.ACCOUNT_REAUTHENTICATION_REQUIRED is True
    assert settings.MFA_REAUTHENTICATION_REQUIRED is True
    assert 0 < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT <= 15 * 60
    # A code by email would let whoever reads the mailbox strip two-factor authentication.
    assert set(settings.ACCOUNT_REAUTHENTICATION_METHODS) == {"password", "mfa"}


def test_changing_the_email_asks_for_the_password_again_after_the_timeout(later):
    user = UserFactory(email="first@example.test")
    EmailAddress.objects.create(user=user, email="second@example.test", verified=True)
    client = sign_in(user)
    reauthenticate(client)
    added = client.post(EMAIL_URL, {"action_add": "", "email": "third@example.test"})
    assert added.status_code == 302
    assert added["Location"] == EMAIL_URL
    assert EmailAddress.objects.filter(email="third@example.test").exists()

    _past_the_timeout(later)
    made_primary = client.post(EMAIL_URL, {"action_primary": "", "email": "second@example.test"})
    _asks_for_the_password(made_primary, EMAIL_URL)
    refused = client.post(EMAIL_URL, {"action_add": "", "email": "fourth@example.test"})
    _asks_for_the_password(refused, EMAIL_URL)
    user.refresh_from_db()
    assert user.email == "first@example.test"
    assert not EmailAddress.objects.filter(email="fourth@example.test").exists()

    # With the password entered again, the change goes through.
    reauthenticate(client)
    client.post(EMAIL_URL, {"action_primary": "", "email": "second@example.test"})
    user.refresh_from_db()
    assert user.email == "second@example.test"


def test_a_fresh_sign_in_is_not_enough_to_change_the_email():
    user = UserFactory()
    client = sign_in(user)
    _asks_for_the_password(
        client.post(EMAIL_URL, {"action_add": "", "email": "new@example.test"}), EMAIL_URL
    )
    assert not EmailAddress.objects.filter(email="new@example.test").exists()


def test_a_wrong_password_on_the_re_authentication_page_changes_nothing():
    user = UserFactory()
    client = sign_in(user)
    response = client.post(REAUTH_URL, {"password": "not-my-password"})
    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    _asks_for_the_password(
        client.post(EMAIL_URL, {"action_add": "", "email": "new@example.test"}), EMAIL_URL
    )


def test_turning_two_factor_on_asks_for_the_password_again_after_the_timeout(later):
    user = UserFactory()
    client = sign_in(user)
    activate = reverse("mfa_activate_totp")
    reauthenticate(client)
    assert client.get(activate).status_code == 200
    _past_the_timeout(later)
    _asks_for_the_password(client.get(activate), activate)
    _asks_for_the_password(client.post(activate, {"code": "123456"}), activate)


def test_turning_two_factor_off_asks_for_the_password_again_after_the_timeout(later):
    user = UserFactory()
    secret = enrol(user)
    client = sign_in(user, secret=secret)
    deactivate = reverse("mfa_deactivate_totp")
    reauthenticate(client)
    assert client.get(deactivate).status_code == 200
    _past_the_timeout(later)
    _asks_for_the_password(client.post(deactivate), deactivate)
    assert user.authenticator_set.filter(type="totp").exists()


def test_changing_the_password_asks_for_the_current_password_after_the_timeout(later):
    """allauth's password change form always asks for the current password, so it needs no
    separate re-authentication step: after any time, without it nothing changes."""
    user = UserFactory()
    client = sign_in(user)
    reauthenticate(client)
    _past_the_timeout(later)
    url = reverse("account_change_password")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="oldpassword"' in page.content.decode()
    for current in ("", "not-my-password"):
        refused = client.post(
            url, {"oldpassword": current, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert refused.status_code == 200
        assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    changed = client.post(
        url, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
