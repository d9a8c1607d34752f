"""Personal access tokens for the API: `Authorization: Bearer lp_...`, one agency each."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.agencies.mfa_policy import refuse_unless_enrolled
from apps.agencies.models import ApiToken
from apps.agencies.services import API_TOKEN_PREFIX, api_token_touch
from apps.core.middleware import client_ip
from apps.core.tenancy import activate_agency, cross_agency
from apps.core.tokens import hash_token

SCHEME_AND_TOKEN = 2  # "Bearer <token>"

_MAX_TOKEN_LENGTH = 128
_FAILURE_WINDOW = 60  # seconds


def _failure_key(request) -> str:
    return f"api-token-failures:{client_ip(request) or 'unknown'}"


def _refuse(request, message: str):
    """Count a failed attempt (a well-formed token that is not valid) from this address; past
    the limit, answer 429 instead, so guessing tokens is as slow as guessing passwords."""
    key = _failure_key(request)
    cache.add(key, 0, timeout=_FAILURE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_FAILURE_WINDOW)
    return exceptions.AuthenticationFailed(message)


def _check_not_locked_out(request) -> None:
    if (cache.get(_failure_key(request)) or 0) >= settings.API_TOKEN_FAILURES_PER_MINUTE:
        raise exceptions.Throttled(
            wait=_FAILURE_WINDOW,
            detail="Too many failed authentication attempts from this address.",
        )


def _well_formed_token(header: bytes) -> str:
    """The token of a well-formed `Bearer lp_...` header. A malformed one is refused without
    being counted: it cannot be a guess at a token, and counting it let a broken client (or
    anyone sharing its address, behind one NAT) lock out every valid token from there."""
    parts = header.split()
    if len(parts) != SCHEME_AND_TOKEN or parts[0].lower() != b"bearer":
        raise exceptions.AuthenticationFailed(
            "Malformed Authorization header: expected 'Bearer <token>'."
        )
    try:
        raw = parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed("Malformed token: not ASCII.") from None
    if not raw.startswith(API_TOKEN_PREFIX) or len(raw) > _MAX_TOKEN_LENGTH:
        raise exceptions.AuthenticationFailed(
            f"Malformed token: Launchpad tokens start with '{API_TOKEN_PREFIX}'."
        )
    return raw


class BearerTokenAuthentication(BaseAuthentication):
    """Only Bearer tokens are accepted in the Authorization header; anything else is refused
    with a message that says what is wrong, rather than silently treated as anonymous."""

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        raw = _well_formed_token(header)
        # Only well-formed tokens are counted (in _refuse) and checked against the count.
        _check_not_locked_out(request)
        # Global lookup by hash: the token itself is what tells us which agency this is, so
        # this one read crosses agencies; the view then works inside the token's agency.
        with cross_agency("token authentication"):
            token = (
                ApiToken.objects.select_related("membership__user", "membership__agency")
                .filter(token_hash=hash_token(raw))
                .first()
            )
            if token is None or not token.is_active or not token.membership.user.is_active:
                raise _refuse(request, "Invalid, expired or revoked token.")
            api_token_touch(token=token)
        # A token works for its own agency only: the request works in that agency's scope.
        activate_agency(token.membership.agency)
        # A genuine token, so not counted as a failure: refused with what to do instead.
        refuse_unless_enrolled(token.membership)
        return token.membership.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
