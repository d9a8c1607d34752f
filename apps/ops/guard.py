"""Who may read the metrics: a scraper holding METRICS_TOKEN, or, when METRICS_ALLOW_LOOPBACK
is on, a process on this machine that no proxy relayed. Shared by the web endpoint and the
Celery worker's exporter, so both doors refuse the same way."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings

# A request relayed by a proxy on this machine arrives from 127.0.0.1 on behalf of anyone:
# one carrying any of these headers is never taken for a local one.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def _presented_token(authorization: str) -> str | None:
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials or " " in credentials:
        return None
    return credentials


def _token_matches(authorization: str) -> bool:
    expected = settings.METRICS_TOKEN
    presented = _presented_token(authorization)
    if not expected or presented is None:
        return False
    # Constant time, on bytes: compare_digest refuses non-ASCII text; surrogatepass keeps
    # whatever a header held comparable instead of raising.
    return hmac.compare_digest(
        presented.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def scraper_allowed(meta: dict) -> bool:
    """`meta`: the request's WSGI environ (Django's request.META)."""
    if _token_matches(meta.get("HTTP_AUTHORIZATION", "")):
        return True
    return (
        settings.METRICS_ALLOW_LOOPBACK
        and _is_loopback(meta.get("REMOTE_ADDR", ""))
        and not any(meta.get(header) for header in PROXY_HEADERS)
    )
