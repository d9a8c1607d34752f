"""Personal access tokens for the API: `Authorization: Bearer lp_...`, one agency each."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.agencies.models import ApiToken
from apps.agencies.services import API_TOKEN_PREFIX, api_token_touch
from apps.core.tokens import hash_token

_MAX_TOKEN_LENGTH = 128


class BearerTokenAuthentication(BaseAuthentication):
    """Only Bearer tokens are accepted in the Authorization header; anything else is refused
    with a message that says what is wrong, rather than silently treated as anonymous."""

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0].lower() != b"bearer" or len(parts) != 2:
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
        # Global lookup by hash: the token itself is what tells us which agency this is.
        token = (
            ApiToken.objects.select_related("membership__user", "membership__agency")
            .filter(token_hash=hash_token(raw))
            .first()
        )
        if token is None or not token.is_active or not token.membership.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        api_token_touch(token=token)
        return token.membership.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
