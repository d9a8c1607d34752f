"""Outgoing webhooks: events, their signed JSON bodies, and one POST per delivery.

The body is the event as it was when it happened (`Delivery.payload`); the signature is
HMAC-SHA256, keyed with the endpoint's secret, over `"{timestamp}.{body}"`, sent as
`Launchpad-Signature: t=<timestamp>,v1=<hex digest>` (docs/webhooks.md says how to verify
it). Addresses go through the same guard as the scanner's clones (apps.core.netguard): https
only, no credentials, and a host that resolves to a public address, which is the address
connected to. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from apps.core import crypto
from apps.core.netguard import BlockedAddress, public_address
from apps.notifications import kinds
from apps.notifications.models import Delivery, WebhookAttempt, WebhookEndpoint

# Event name -> what it means (the admin's picker, docs/webhooks.md, the OpenAPI document).
EVENTS: dict[str, str] = {
    "booking.created": "A consultation was booked (or a hold confirmed).",
    "booking.rescheduled": "A booking moved to another time.",
    "booking.cancelled": "A booking was cancelled.",
    "engagement.status_changed": "An engagement's status changed.",
    "checklist_item.changed": "A checklist item's status, assignee or due date changed.",
    "scan.finished": "A repository scan succeeded or failed.",
    "signoff.recorded": "A client contact signed a checklist item off.",
}
MAX_URL_LENGTH = 500
EXCERPT_BYTES = 500
SIGNATURE_HEADER = "Launchpad-Signature"


def is_success(status_code: int | None) -> bool:
    return status_code is not None and HTTPStatus.OK <= status_code < HTTPStatus.MULTIPLE_CHOICES


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does (docs/webhooks.md), here for the tests and the docs' example."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), parts.get("v1", ""))


def check_url(url: str) -> str:
    """The address an admin typed, or ValidationError saying what is wrong with it."""
    url = (url or "").strip()
    if not url:
        raise ValidationError("Give the endpoint's https address.")
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"Keep the address under {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError("That is not a valid address.") from None
    allowed = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed:
        raise ValidationError("Webhooks are sent over https only: give an https:// address.")
    if parts.username or parts.password:
        raise ValidationError("Remove the user name or password from the address.")
    if not parts.hostname:
        raise ValidationError("The address has no host name.")
    if settings.WEBHOOK_BLOCK_PRIVATE_NETWORKS:
        try:
            public_address(parts.hostname, port or 443)
        except BlockedAddress as exc:
            raise ValidationError(exc.message) from None
    return url


def event_body(
    *, event: str, agency: Any, data: dict[str, Any], event_id: str | None = None
) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "type": event,
        "created": timezone.now().isoformat(),
        "agency": agency.slug,
        "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    }


@dataclass(frozen=True)
class Result:
    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return is_success(self.status_code)


def post(row: Delivery) -> Result:
    """One POST of the row's body to its endpoint. Raises kinds.Drop when the endpoint is
    switched off or gone; a refused address is a failed attempt (it may be fixed)."""
    endpoint = row.endpoint
    if endpoint is None:
        raise kinds.Drop("the endpoint was deleted")
    if not endpoint.is_active:
        raise kinds.Drop("the endpoint is switched off")
    body = json.dumps(row.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    secret = crypto.decrypt(endpoint.secret_encrypted)
    parts = urlsplit(endpoint.url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    started = time.monotonic()
    try:
        address = public_address(host, port) if settings.WEBHOOK_BLOCK_PRIVATE_NETWORKS else host
    except BlockedAddress as exc:
        return Result(None, 0, error=exc.message[:500])
    headers = {
        "Host": parts.netloc.rsplit("@", 1)[-1],
        "Content-Type": "application/json",
        "User-Agent": "Launchpad-Webhooks/1",
        SIGNATURE_HEADER: signature_header(secret, timestamp, body),
        "Launchpad-Event": str(row.payload.get("type", "")),
        "Launchpad-Event-Id": str(row.payload.get("id", "")),
        "Launchpad-Delivery": str(row.pk),
    }
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_READ_TIMEOUT
    )
    if parts.scheme == "https":
        # Connect to the checked address; the certificate is still checked against the name.
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(), server_hostname=host, assert_hostname=host,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        with pool:
            response = pool.urlopen(
                "POST", path, body=body, headers=headers, redirect=False,
                preload_content=False, assert_same_host=False,
            )  # fmt: skip
            excerpt = response.read(EXCERPT_BYTES, decode_content=False)
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Result(None, _ms(started), error=f"{type(exc).__name__}: {exc}"[:500])
    return Result(
        response.status, _ms(started), excerpt=excerpt.decode("utf-8", "replace")[:EXCERPT_BYTES]
    )


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


class WebhookFailedError(Exception):
    """The endpoint did not take the event (answered non-2xx or could not be reached)."""


def record(row: Delivery, result: Result, *, now: datetime) -> None:
    """Log the attempt and keep the endpoint's failure clock; switch it off after a day of
    nothing but failures and tell its agency's admins."""
    endpoint = row.endpoint
    if endpoint is None:  # deleted while sending: nothing to log against
        return
    WebhookAttempt.objects.create(
        agency_id=row.agency_id, delivery=row, endpoint=endpoint,
        status_code=result.status_code, duration_ms=result.duration_ms,
        response_excerpt=result.excerpt, error=result.error,
    )  # fmt: skip
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if result.ok:
        if locked.failing_since is not None:
            locked.failing_since = None
            locked.save(update_fields=["failing_since", "updated_at"])
        return
    if locked.failing_since is None:
        locked.failing_since = now
        locked.save(update_fields=["failing_since", "updated_at"])
    elif locked.is_active and now - locked.failing_since >= settings.WEBHOOK_DISABLE_AFTER:
        from apps.notifications import endpoints  # noqa: PLC0415 - endpoints imports this module

        endpoints.switch_off_failing(locked, now=now)
