"""Abuse limits over the shared cache, for pages and APIs alike: "N/period" rates (as allauth
writes them: "10/h", "5/15m"; several with commas) counted per scope and identity, such as
booking attempts per client address or per email. django-ratelimit does the counting (one
atomic increment per rate, fixed windows); this module names the two ways to ask it: `hit`
for a view and `RateThrottle` for DRF, so that a page and an API sharing a scope share the
count. A service whose limit is counted elsewhere (in the audit trail) refuses with
`RateLimitedError`."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_ratelimit.core import get_usage  # type: ignore[import-untyped]
from rest_framework.throttling import BaseThrottle

from apps.core.errors import ApplicationError

if TYPE_CHECKING:
    # Not at run time: rest_framework.views reads the authentication classes when imported,
    # and those (agencies.authentication) import services that raise RateLimitedError.
    from rest_framework.request import Request
    from rest_framework.views import APIView


class RateLimitedError(ApplicationError):
    """A service's refusal because a limit is used up: 429, with the seconds until it allows
    the action again (the API sends them as Retry-After)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int, code: str = "throttled") -> None:
        super().__init__(message, code=code)
        self.retry_after = max(int(retry_after), 1)


def _rates(rates: str) -> list[str]:
    return [rate.strip() for rate in rates.split(",") if rate.strip()]


def hit(request: HttpRequest | Request, *, scope: str, ident: str, rates: str) -> int | None:
    """Count one attempt by `ident` in `scope` against every rate of `rates`: None while it is
    within all of them, else the seconds until the tightest one allows it again (for a 429's
    Retry-After). A cache that answers but cannot count refuses (django-ratelimit fails
    closed)."""
    # The identity is hashed into the cache key: no address or email is stored in the cache.
    value = hashlib.sha256(ident.encode()).hexdigest()
    waits = []
    for rate in _rates(rates):
        usage = get_usage(
            request, group=scope, key=lambda _group, _request: value, rate=rate, increment=True
        )
        if usage is not None and usage["should_limit"]:
            # The window still holds at its last second (`time_left` 0): one more to be past it.
            waits.append(max(int(usage["time_left"]) + 1, 1))
    return max(waits) if waits else None


class RateThrottle(BaseThrottle):
    """A DRF throttle over `hit`: a subclass names its `scope`, its rates (read from settings
    when the request comes, so that operators and tests can change them) and what identifies
    a request (None: this throttle does not apply to it)."""

    scope = ""
    _wait: int | None = None

    def rates(self) -> str:
        raise NotImplementedError

    def ident(self, request: Request) -> str | None:
        raise NotImplementedError

    # DRF's signature: the view is not needed.
    def allow_request(self, request: Request, view: APIView) -> bool:  # noqa: ARG002
        ident = self.ident(request)
        if not ident:
            return True
        self._wait = hit(request, scope=self.scope, ident=ident, rates=self.rates())
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
