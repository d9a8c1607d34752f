"""The rate limits of public booking, one count for both doors: booking attempts per client
address and per booker email (BOOKING_RATE_PER_IP, BOOKING_RATE_PER_EMAIL), counted through
core.ratelimit by the form (`booking_attempt_wait`) and the API (the two throttles) alike, so
that switching doors buys an abuser nothing."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

from apps.core.middleware import client_ip
from apps.core.ratelimit import RateThrottle, hit

IP_SCOPE = "booking:ip"
EMAIL_SCOPE = "booking:email"
# The message of a 429, on the page and in the API's error body.
TOO_MANY = (
    "Too many booking attempts from your network or for this email address. Please try "
    "again in {minutes} minute{plural}."
)


def too_many_message(wait: int) -> str:
    minutes = max(1, -(-wait // 60))
    return TOO_MANY.format(minutes=minutes, plural="" if minutes == 1 else "s")


def _address(request: HttpRequest | Request) -> str:
    # Without an address (a misconfigured proxy) every visitor shares one count: the limit
    # then protects the agency's calendar rather than letting everyone through.
    return client_ip(request) or "unknown"


def _email(value: object) -> str | None:
    """The address as the booking service stores it; None when there is none to count."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()[:254]


def booking_attempt_wait(request: HttpRequest, *, email: object) -> int | None:
    """Count one attempt to book through the form: None while it is within both limits, else
    the seconds to wait (both counts go up either way, as DRF's throttles do)."""
    waits = [
        hit(request, scope=IP_SCOPE, ident=_address(request), rates=settings.BOOKING_RATE_PER_IP)
    ]
    address = _email(email)
    if address:
        waits.append(
            hit(request, scope=EMAIL_SCOPE, ident=address, rates=settings.BOOKING_RATE_PER_EMAIL)
        )
    over = [wait for wait in waits if wait is not None]
    return max(over) if over else None


class BookingAddressThrottle(RateThrottle):
    scope = IP_SCOPE

    def rates(self) -> str:
        return settings.BOOKING_RATE_PER_IP

    def ident(self, request: Request) -> str | None:
        return _address(request)


class BookingEmailThrottle(RateThrottle):
    scope = EMAIL_SCOPE

    def rates(self) -> str:
        return settings.BOOKING_RATE_PER_EMAIL

    def ident(self, request: Request) -> str | None:
        data = request.data
        return _email(data.get("email")) if hasattr(data, "get") else None
