"""Sending the outbox, exactly once.

- `dispatch_deliveries` (beat, every minute) claims due rows in batches under
  `SELECT ... FOR UPDATE SKIP LOCKED`, gives each claim a lease (`claimed_until`) in the same
  statement batch, and hands the rows to `deliver` in pieces of one agency's rows
  (NOTIFY_DELIVER_CHUNK). Two beats, or a dispatch meeting a row a worker is sending, skip
  what the other holds. Its SQL per batch is constant: one select, one update.
- `deliver` takes a piece's rows one by one over one mail connection; for each it locks the
  row, sends, and records the outcome in the row's own transaction:
  `sent_at` with the attempt. A message delivered twice finds the row sent and does
  nothing; a worker killed while sending leaves the row as it was (its transaction rolls
  back) and the next dispatch after the lease takes it again. A row whose lease ran out is
  claimed again, so a lost message, a dead worker or a Redis restart loses nothing.
- Failures retry with exponential backoff and jitter up to NOTIFY_MAX_ATTEMPTS, then the row
  is given up with its error; bad data fails the row at once. Neither stops the batch.
"""

from __future__ import annotations

import logging
import random
import smtplib
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.core.tenancy import cross_agency, tenant_context
from apps.notifications import inbox, kinds, mail, webhooks
from apps.notifications.models import Channel, Delivery

logger = logging.getLogger(__name__)


def _lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 2 min... doubling to at most an hour, each within ±20 % so that a burst of
    failures does not come back all at once."""
    seconds = min(3600, 30 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 - jitter


def claim_due(*, limit: int) -> list[tuple[Any, Any]]:
    """Claim up to `limit` due rows of every agency: (delivery id, agency id) each. Two
    queries whatever the batch size."""
    now = timezone.now()
    with cross_agency("outbox dispatch"), transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING, due_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("due_at")
            .values_list("pk", "agency_id")[:limit]
        )
        if rows:
            Delivery.objects.filter(pk__in=[pk for pk, _ in rows]).update(
                claimed_until=now + _lease()
            )
    return rows


def _chunks(rows: Iterable[tuple[Any, Any]]) -> list[tuple[str, list[str]]]:
    """Rows grouped by agency, in pieces of NOTIFY_DELIVER_CHUNK: one task per piece, which
    opens one mail connection for it."""
    by_agency: dict[str, list[str]] = {}
    for pk, agency_id in rows:
        by_agency.setdefault(str(agency_id), []).append(str(pk))
    size = max(1, settings.NOTIFY_DELIVER_CHUNK)
    return [
        (agency_id, ids[start : start + size])
        for agency_id, ids in by_agency.items()
        for start in range(0, len(ids), size)
    ]


def hand_over(rows: Iterable[tuple[Any, Any]]) -> int:
    """Publish the rows to workers, a task per agency's piece; stop at the first the broker
    refuses (the rest keep their lease and are claimed again when it runs out). Returns how
    many rows were handed."""
    handed = 0
    for agency_id, ids in _chunks(rows):
        try:
            deliver.apply_async(kwargs={"agency_id": agency_id, "delivery_ids": ids})
        except OperationalError as exc:
            logger.warning(
                "deliveries %s not handed to a worker, left to the dispatcher: %s", ids, exc
            )
            break
        handed += len(ids)
    return handed


@shared_task(acks_late=True)
def dispatch_deliveries() -> int:
    """Beat, every minute: hand every due delivery to a worker, in batches."""
    handed = 0
    for _ in range(settings.NOTIFY_MAX_BATCHES_PER_RUN):
        rows = claim_due(limit=settings.NOTIFY_BATCH_SIZE)
        if not rows:
            break
        count = hand_over(rows)
        handed += count
        if count < len(rows):
            break  # the broker is away
    if handed:
        logger.info("dispatched %s deliveries", handed)
    return handed


# Failures worth another try: the mail server or the network, not the data.
TRANSIENT = (OSError, smtplib.SMTPException)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver(
    *, agency_id: str, delivery_ids: list[str] | None = None, delivery_id: str | None = None
) -> str:
    """Send some deliveries of one agency, each once, each in its own transaction (a worker
    killed mid-piece leaves what it sent sent and the rest as they were), over one mail
    connection. `delivery_id` alone is a message from a release that handed rows one by one.
    Returns what happened (for the worker's log): the outcome, or a count of each."""
    from apps.agencies.models import Agency  # noqa: PLC0415 - apps are loaded in a task

    ids = list(delivery_ids or ([delivery_id] if delivery_id else []))
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return "agency gone"
    outcomes: Counter[str] = Counter()
    with tenant_context(agency), mail.connection() as connection:
        for pk in ids:
            outcomes[_deliver_one(agency, pk, connection)] += 1
    if len(ids) == 1:
        return next(iter(outcomes))
    return ", ".join(f"{outcome}: {count}" for outcome, count in sorted(outcomes.items()))


def _deliver_one(agency: Any, delivery_id: str, connection: mail.Connection) -> str:  # noqa: PLR0911 - one return per outcome
    with transaction.atomic():
        row = (
            Delivery.objects.for_agency(agency)
            .select_for_update(of=("self",))
            .select_related("user", "endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if row is None or row.status != Delivery.Status.PENDING:
            return "nothing to do"
        now = timezone.now()
        if row.due_at > now:
            return "not due"  # moved later (a rescheduled booking) after it was handed over
        row.attempts += 1
        try:
            # A savepoint: what a failed send wrote is undone, the attempt is still recorded.
            with transaction.atomic():
                result = send(row, connection)
        except kinds.Drop as exc:
            return _close(row, Delivery.Status.DROPPED, str(exc))
        except kinds.Undeliverable as exc:
            logger.warning("delivery %s (%s) cannot be sent: %s", row.pk, row.kind, exc)
            return _close(row, Delivery.Status.FAILED, str(exc))
        except Exception as exc:  # a send that failed, or a bug in a renderer: try again later
            if isinstance(exc, TRANSIENT):
                connection.reset()  # the next row starts on a fresh connection
            return _failed_attempt(row, exc, transient=isinstance(exc, TRANSIENT))
        if result is not None:  # a webhook: its answer is logged, success or not
            webhooks.record(row, result, now=now)
            if not result.ok:
                reason = f"HTTP {result.status_code}" if result.status_code else result.error
                return _failed_attempt(row, webhooks.WebhookFailedError(reason), transient=True)
        row.status = Delivery.Status.SENT
        row.sent_at = now
        row.last_error = ""
        row.claimed_until = None
        row.save(
            update_fields=["status", "sent_at", "attempts", "last_error", "claimed_until",
                           "updated_at"]
        )  # fmt: skip
    return "sent"


def _close(row: Delivery, status: str, reason: str) -> str:
    row.status = status
    row.last_error = reason[:2000]
    row.claimed_until = None
    row.save(update_fields=["status", "last_error", "attempts", "claimed_until", "updated_at"])
    return status


def _failed_attempt(row: Delivery, exc: Exception, *, transient: bool) -> str:
    if not transient:
        logger.exception("delivery %s (%s) failed", row.pk, row.kind)  # to Sentry
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        return _close(
            row, Delivery.Status.FAILED, f"Gave up after {row.attempts} attempts. {reason}"
        )
    row.last_error = reason
    row.due_at = timezone.now() + backoff(row.attempts)
    row.claimed_until = None
    row.save(update_fields=["last_error", "attempts", "due_at", "claimed_until", "updated_at"])
    return "retry"


def send(row: Delivery, connection: mail.Connection | None = None) -> webhooks.Result | None:
    """One channel's send; raises kinds.Drop / kinds.Undeliverable / a send error. A
    webhook's answer is returned, to be logged outside the send's savepoint."""
    if row.channel == Channel.WEBHOOK:
        return webhooks.post(row)
    kind = kinds.get(row.kind)
    if row.user is not None and not row.user.is_active:
        raise kinds.Drop("the person's account is closed")
    if row.channel == Channel.IN_APP:
        if kind.in_app is None or row.user_id is None:
            raise kinds.Undeliverable(f"{row.kind} has no in-app form, or no one to show it to")
        inbox.post(row, kind.in_app(row))
        return None
    if row.channel == Channel.EMAIL:
        if kind.email is None:
            raise kinds.Undeliverable(f"{row.kind} has no email form")
        mail.send(row, kind, kind.email(row), connection=connection)
        return None
    raise kinds.Undeliverable(f"unknown channel {row.channel!r}")
