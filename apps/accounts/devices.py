"""Known devices: a browser that has signed in to an account before carries a signed cookie
for it, and its sign-in attempts are counted apart from everybody else's. A guesser who keeps
an account's per-account limit full (docs/security.md, "Abuse limits") then shuts out only the
browsers that never signed in to it, never the owner's own."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "lp_device"
_SALT = "launchpad.accounts.known-device"
_MAX_AGE = 365 * 24 * 60 * 60


def _login_hash(login: str) -> str:
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]


def known_device(request: HttpRequest, login: str) -> str | None:
    """The id of this browser when it has signed in to `login` before; None otherwise
    (no cookie, a forged or expired one, or one for another account)."""
    raw = request.COOKIES.get(COOKIE)
    if not raw or not login:
        return None
    try:
        data = signing.loads(raw, salt=_SALT, max_age=_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("e") != _login_hash(login):
        return None
    device = data.get("d")
    return device if isinstance(device, str) else None


def remember_device(request: HttpRequest, login: str) -> None:
    """After a successful sign-in: the response gives this browser (or renews) its cookie."""
    device = known_device(request, login) or secrets.token_hex(8)
    request.launchpad_known_device = signing.dumps(  # type: ignore[attr-defined]
        {"e": _login_hash(login), "d": device}, salt=_SALT
    )


class KnownDeviceMiddleware:
    """Sets the cookie that `remember_device` asked for on the sign-in's response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        value = getattr(request, "launchpad_known_device", None)
        if value:
            response.set_cookie(
                COOKIE,
                value,
                max_age=_MAX_AGE,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response
