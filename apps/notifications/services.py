"""Writing to the outbox. Services of the apps above call these inside their own
transaction: the delivery exists exactly when the change that caused it is committed.

A delivery due now is handed to a worker as soon as the transaction commits (no wait for
the next dispatch); when the broker cannot take it then, the dispatcher finds it within a
minute. Either way the delivery task sends it once (apps.notifications.dispatch).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Membership
from apps.agencies.roles import Capability, require
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.core.errors import ApplicationError
from apps.notifications import dispatch, kinds
from apps.notifications.models import (
    Channel,
    Delivery,
    EmailOptOut,
    Notification,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)


def subject_of(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def schedule(
    *,
    agency: models.Model,
    kind: str,
    channel: str,
    dedupe_key: str,
    due_at: datetime | None = None,
    user: User | None = None,
    audience: str = "",
    endpoint: WebhookEndpoint | None = None,
    subject: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Write one delivery unless one with `dedupe_key` exists in the agency (then nothing:
    the key is the last wall against sending a message twice). True when written."""
    planned = Planned(
        kind=kind, channel=channel, dedupe_key=dedupe_key, due_at=due_at, user=user,
        audience=audience, endpoint=endpoint, subject=subject, payload=payload,
    )  # fmt: skip
    return schedule_many(agency=agency, planned=[planned]) == 1


@dataclass(frozen=True)
class Planned:
    """One delivery for schedule_many (the fields of `schedule`)."""

    kind: str
    channel: str
    dedupe_key: str
    due_at: datetime | None = None
    user: User | None = None
    audience: str = ""
    endpoint: WebhookEndpoint | None = None
    subject: models.Model | None = None
    payload: dict[str, Any] | None = None


def schedule_many(*, agency: models.Model, planned: Iterable[Planned]) -> int:
    """Write each planned delivery whose dedupe key is new in the agency, in two queries
    however many; those due now go to the workers when the caller's transaction commits.
    Returns how many were written."""
    now = timezone.now()
    rows = []
    for plan in planned:
        subject_type, subject_id = subject_of(plan.subject) if plan.subject else ("", "")
        rows.append(Delivery(
            agency_id=agency.pk, kind=plan.kind, channel=plan.channel,
            dedupe_key=plan.dedupe_key[:200], due_at=plan.due_at or now, user=plan.user,
            audience=plan.audience, endpoint=plan.endpoint, subject_type=subject_type,
            subject_id=subject_id, payload=plan.payload or {},
        ))  # fmt: skip
    if not rows:
        return 0
    # ON CONFLICT DO NOTHING: a duplicate neither raises nor spoils the caller's transaction.
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    created = set(
        Delivery.objects.for_agency(agency)
        .filter(pk__in=[row.pk for row in rows])
        .values_list("pk", flat=True)
    )
    due = [row.pk for row in rows if row.pk in created and row.due_at <= now]
    if due:
        transaction.on_commit(lambda: dispatch.hand_over([(pk, agency.pk) for pk in due]))
    return len(created)


def notify(
    *,
    agency: models.Model,
    kind: str,
    user: User,
    dedupe_key: str,
    subject: models.Model | None = None,
    payload: dict[str, Any] | None = None,
    due_at: datetime | None = None,
    channels: Iterable[str] = (Channel.EMAIL, Channel.IN_APP),
) -> None:
    """Tell a person, by email and in the app (each channel its own delivery). Whether they
    switched the email off is checked when it is sent, so a change of mind counts."""
    for channel in channels:
        schedule(
            agency=agency, kind=kind, channel=channel, dedupe_key=f"{dedupe_key}:{channel}",
            due_at=due_at, user=user, subject=subject, payload=payload,
        )  # fmt: skip


def drop(
    *,
    agency: models.Model,
    subject: models.Model,
    kinds: Iterable[str],
    reason: str,
) -> int:
    """Drop what is still waiting about `subject` of these kinds (a cancelled booking's
    reminders): they are never sent. Returns how many."""
    subject_type, subject_id = subject_of(subject)
    return (
        Delivery.objects.for_agency(agency)
        .filter(
            subject_type=subject_type,
            subject_id=subject_id,
            kind__in=list(kinds),
            status=Delivery.Status.PENDING,
        )
        .update(status=Delivery.Status.DROPPED, last_error=reason[:500], updated_at=timezone.now())
    )


def _deliver_after_commit(agency: models.Model, pk: uuid.UUID) -> None:
    transaction.on_commit(lambda: dispatch.hand_over([(pk, agency.pk)]))


def retry(*, agency: models.Model, delivery: Delivery, actor: Membership) -> Delivery:
    """An admin's "send again": a failed, given-up or dropped delivery goes back to the
    queue, due now, with its attempts counted afresh. A sent one is sent again as a new
    delivery only for webhooks (the receiver dedupes on the event id); an email that went
    out is never resent by hand."""

    require(actor, Capability.MANAGE_AGENCY)
    with transaction.atomic():
        row = Delivery.objects.for_agency(agency).select_for_update().get(pk=delivery.pk)
        audit_record(
            verb=Verb.DELIVERY_RETRIED, actor=actor.user, agency=agency, target=row,
            changes={"kind": row.kind, "status": row.status},
        )  # fmt: skip
        if row.status == Delivery.Status.SENT:
            if row.channel != Channel.WEBHOOK:
                raise ApplicationError("That email was sent; it is not sent twice.")
            again = Delivery(
                agency_id=row.agency_id, kind=row.kind, channel=row.channel,
                endpoint_id=row.endpoint_id, subject_type=row.subject_type,
                subject_id=row.subject_id, payload=row.payload,
                dedupe_key=f"{row.dedupe_key[:150]}:again:{uuid.uuid4().hex[:12]}",
                due_at=timezone.now(),
            )  # fmt: skip
            again.save()
            _deliver_after_commit(agency, again.pk)
            return again
        if row.status == Delivery.Status.PENDING:
            return row
        row.status = Delivery.Status.PENDING
        row.attempts = 0
        row.due_at = timezone.now()
        row.claimed_until = None
        row.save(update_fields=["status", "attempts", "due_at", "claimed_until", "updated_at"])
        _deliver_after_commit(agency, row.pk)
        return row


# --- The notification centre and email preferences -----------------------------------------


def notification_mark_read(*, membership: Membership, notification_id: Any) -> int:
    """Mark one of the member's own notices read; another's id changes nothing (0)."""

    return (
        Notification.objects.for_agency(membership.agency)
        .filter(pk=notification_id, user_id=membership.user_id, read_at__isnull=True)
        .update(read_at=timezone.now(), updated_at=timezone.now())
    )


def notification_mark_all_read(*, membership: Membership) -> int:

    return (
        Notification.objects.for_agency(membership.agency)
        .filter(user_id=membership.user_id, read_at__isnull=True)
        .update(read_at=timezone.now(), updated_at=timezone.now())
    )


@transaction.atomic
def email_preferences_save(*, user: User, switched_off: Iterable[str]) -> set[str]:
    """The person's optional kinds switched off, exactly these; kinds that cannot be
    switched off are ignored. Returns what is off now."""

    optional = {kind.key for kind in kinds.optional()}
    wanted = set(switched_off) & optional
    mine = EmailOptOut.objects.filter(user=user, subject_id="")
    mine.exclude(kind__in=wanted).delete()
    have = set(mine.values_list("kind", flat=True))
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=user, kind=kind) for kind in sorted(wanted - have)],
        ignore_conflicts=True,
    )
    return wanted


def unsubscribe(*, kind: str, user_id: str, subject_id: str) -> bool:
    """What a signed unsubscribe link asks: this kind off for this person (or, for someone
    without an account, for this subject). False when the kind cannot be switched off."""

    if kind not in {k.key for k in kinds.optional()}:
        return False
    if user_id:
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            return False
        EmailOptOut.objects.bulk_create([EmailOptOut(user=user, kind=kind)], ignore_conflicts=True)
        return True
    if not subject_id:
        return False
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(kind=kind, subject_id=subject_id[:64])], ignore_conflicts=True
    )
    return True


# --- Privacy: forgetting and retention -----------------------------------------------------


def deliveries_forget(*, subjects: models.QuerySet[Any]) -> int:
    """Delete what the outbox holds about these rows (a webhook's body quotes a booker's name
    and address): sent or waiting, it goes. For erasure; returns how many rows."""
    label = subjects.model._meta.label_lower
    ids = [str(pk) for pk in subjects.values_list("pk", flat=True)]
    if not ids:
        return 0
    deleted, _ = Delivery.objects.filter(subject_type=label, subject_id__in=ids).delete()
    return deleted


def deliveries_purge(*, agency: models.Model, before: datetime) -> int:
    """Deliveries done with (sent, dropped, given up) before `before`, with their webhook
    attempts; what still waits is kept."""
    deleted, _ = (
        Delivery.objects.for_agency(agency)
        .filter(created_at__lt=before)
        .exclude(status=Delivery.Status.PENDING)
        .delete()
    )
    return deleted
