"""Account test helpers: enrol a person in two-factor authentication as allauth does, the code
their authenticator app would show now, and a real sign-in through allauth's pages."""

from __future__ import annotations

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


def enrol(user) -> str:
    """Give `user` an authenticator app (through allauth's own activation); returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The six digits the authenticator app shows at this moment."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def sign_in(user, *, secret: str | None = None, **headers) -> Client:
    """Sign in through allauth's login form (not force_login), so allauth records how the
    person authenticated and starts a tracked session, as in a browser; with `secret`, the
    authenticator code is given at the second step. `headers` such as HTTP_USER_AGENT."""
    client = Client(**headers)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    if secret is not None:
        assert response["Location"] == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.status_code == 302, response.content
    assert "_auth_user_id" in client.session
    return client


def reauthenticate(client: Client) -> None:
    """Enter the password again on allauth's re-authentication page."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content
