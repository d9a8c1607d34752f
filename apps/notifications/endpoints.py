"""Webhook endpoints: what an agency admin registers, and the events services emit to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from apps.agencies.models import Membership
from apps.agencies.roles import Capability, Role, require
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.core import crypto
from apps.core.errors import PermissionDeniedError
from apps.notifications import services, webhooks
from apps.notifications.models import Channel, Delivery, WebhookEndpoint

MAX_ENDPOINTS = 20  # per agency
DESCRIPTION_MAX = 200


def _clean_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": "Pick at least one event."})
    unknown = sorted({str(e) for e in events} - set(webhooks.EVENTS))
    if unknown:
        raise ValidationError({"events": f"Unknown event: {', '.join(unknown)[:200]}."})
    return sorted(set(events))


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError({"description": f"Keep it under {DESCRIPTION_MAX} characters."})
    return description


def _clean_url(url: str) -> str:
    try:
        return webhooks.check_url(url)
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from None


def _own(actor: Membership, endpoint: WebhookEndpoint) -> None:
    require(actor, Capability.MANAGE_AGENCY)
    if endpoint.agency_id != actor.agency_id:
        raise PermissionDeniedError


@transaction.atomic
def endpoint_create(
    *, actor: Membership, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret, shown this once."""
    require(actor, Capability.MANAGE_AGENCY)
    agency = actor.agency
    if WebhookEndpoint.objects.for_agency(agency).count() >= MAX_ENDPOINTS:
        raise ValidationError(f"An agency has at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = webhooks.new_secret()
    endpoint = WebhookEndpoint(
        agency=agency, url=_clean_url(url), events=_clean_events(events),
        description=_clean_description(description),
        secret_encrypted=crypto.encrypt(secret), created_by=actor.user,
    )  # fmt: skip
    endpoint.save()
    audit_record(
        verb=Verb.WEBHOOK_CREATED, actor=actor.user, agency=agency, target=endpoint,
        changes={"url": endpoint.url, "events": endpoint.events},
    )  # fmt: skip
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    actor: Membership,
    endpoint: WebhookEndpoint,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
) -> WebhookEndpoint:
    """Change an endpoint; switching it back on clears its failure clock."""
    _own(actor, endpoint)
    locked = (
        WebhookEndpoint.objects.for_agency(actor.agency).select_for_update().get(pk=endpoint.pk)
    )
    changes: dict[str, Any] = {}
    new = {
        "url": _clean_url(url),
        "events": _clean_events(events),
        "description": _clean_description(description),
        "is_active": bool(is_active),
    }
    for field, value in new.items():
        if getattr(locked, field) != value:
            changes[field] = value
            setattr(locked, field, value)
    if changes.get("is_active") is True:
        locked.failing_since = None
        locked.disabled_reason = ""
    if changes:
        locked.save()
        audit_record(
            verb=Verb.WEBHOOK_UPDATED, actor=actor.user, agency=actor.agency, target=locked,
            changes=changes,
        )  # fmt: skip
    return locked


@transaction.atomic
def endpoint_rotate_secret(*, actor: Membership, endpoint: WebhookEndpoint) -> str:
    """A new signing secret, at once: the next delivery is signed with it. Shown once."""
    _own(actor, endpoint)
    secret = webhooks.new_secret()
    WebhookEndpoint.objects.for_agency(actor.agency).filter(pk=endpoint.pk).update(
        secret_encrypted=crypto.encrypt(secret), updated_at=timezone.now()
    )
    audit_record(
        verb=Verb.WEBHOOK_SECRET_ROTATED, actor=actor.user, agency=actor.agency, target=endpoint
    )
    return secret


@transaction.atomic
def endpoint_delete(*, actor: Membership, endpoint: WebhookEndpoint) -> None:
    _own(actor, endpoint)
    audit_record(
        verb=Verb.WEBHOOK_DELETED, actor=actor.user, agency=actor.agency, target=endpoint,
        changes={"url": endpoint.url},
    )  # fmt: skip
    endpoint.delete()


def switch_off_failing(endpoint: WebhookEndpoint, *, now: datetime) -> None:
    """A day of failures: stop sending, drop what waits for it, tell the admins. Called in
    the failing delivery's transaction, the endpoint locked."""
    since = timezone.localtime(endpoint.failing_since) if endpoint.failing_since else now
    endpoint.is_active = False
    endpoint.disabled_reason = f"Every delivery failed from {since:%Y-%m-%d %H:%M %Z} for a day."
    endpoint.save(update_fields=["is_active", "disabled_reason", "updated_at"])
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.DROPPED, last_error="the endpoint was switched off", updated_at=now
    )
    audit_record(
        verb=Verb.WEBHOOK_DISABLED, agency=endpoint.agency, target=endpoint,
        changes={"reason": endpoint.disabled_reason},
    )  # fmt: skip
    admins = Membership.objects.for_agency(endpoint.agency).filter(
        role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
    )
    for admin in admins.select_related("user"):
        services.notify(
            agency=endpoint.agency, kind="webhook.disabled", user=admin.user, subject=endpoint,
            dedupe_key=f"webhook-disabled:{endpoint.pk}:{now:%Y%m%d%H%M}:{admin.user_id}",
        )  # fmt: skip


def emit(
    *, agency: models.Model, event: str, data: dict[str, Any], subject: models.Model | None = None
) -> int:
    """An event happened (in the caller's transaction): one delivery to each active endpoint
    of the agency that wants it, all carrying the same event id. Returns how many."""
    return emit_many(agency=agency, event=event, events=[(subject, data)])


def emit_many(
    *,
    agency: models.Model,
    event: str,
    events: list[tuple[models.Model | None, dict[str, Any]]],
) -> int:
    """Several events of one type (a bulk change: one per item), each with its own event id,
    to every active endpoint that wants them: a constant number of queries however many.
    Returns how many deliveries were written."""
    if event not in webhooks.EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if not events:
        return 0
    endpoints = [
        e for e in WebhookEndpoint.objects.for_agency(agency).filter(is_active=True)
        if event in e.events
    ]  # fmt: skip
    if not endpoints:
        return 0
    rows: list[services.Planned] = []
    for subject, data in events:
        body = webhooks.event_body(event=event, agency=agency, data=data)
        rows.extend(
            services.Planned(
                kind=event, channel=Channel.WEBHOOK, endpoint=endpoint, subject=subject,
                dedupe_key=f"webhook:{endpoint.pk}:{body['id']}", payload=body,
            )
            for endpoint in endpoints
        )  # fmt: skip
    return services.schedule_many(agency=agency, planned=rows)
