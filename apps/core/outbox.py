"""The task outbox: a Celery task queued by a write is a PendingTask row in the write's own
transaction, published once the transaction commits. When the broker (Redis) cannot take it
then, the request still succeeds (its write is saved) and `publish_pending_tasks`, run by beat
every minute, publishes it when the broker is back; each row is published once (the sweep
takes rows under `SELECT ... FOR UPDATE SKIP LOCKED` and marks them in the same
transaction). Tasks reached this way must still be safe to run twice (a publish whose mark did
not commit is sent again), as every task here already is.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import current_app, shared_task
from django.db import models, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.core.models import PendingTask
from apps.core.tenancy import cross_agency, tenant_context

logger = logging.getLogger(__name__)

# The sweep leaves a row this long to the after-commit publish of its own request.
SWEEP_GRACE = timedelta(seconds=30)
# Published rows are kept this long (to answer "was it sent?"), then deleted by the sweep.
KEEP_PUBLISHED = timedelta(days=7)
SWEEP_BATCH = 500


def enqueue(task: Any, *, agency: models.Model, **kwargs: Any) -> PendingTask:
    """Record `task(agency_id=..., **kwargs)` in the current transaction; publish after commit.
    Call inside the write's transaction (services are atomic)."""
    row = PendingTask(
        agency_id=agency.pk, name=task.name, kwargs={"agency_id": str(agency.pk), **kwargs}
    )
    row.full_clean()
    row.save()
    transaction.on_commit(lambda: _publish_after_commit(row.pk, agency))
    return row


def _publish(row: PendingTask) -> bool:
    """Hand the row's task to the broker; False (logged) when the broker cannot take it. Only
    the broker's errors are contained: a task run in-process (no Redis) raises as before."""
    try:
        current_app.tasks[row.name].apply_async(kwargs=row.kwargs)
    except OperationalError as exc:
        logger.warning(
            "task %s (%s) not published, left to the outbox sweep: %s", row.name, row.pk, exc
        )
        return False
    return True


def _publish_after_commit(pk: Any, agency: models.Model) -> None:
    # Outside any transaction, so that a task run in-process (no Redis) runs as it did before
    # the outbox; the sweep leaves the row alone for SWEEP_GRACE, time enough for this publish.
    with tenant_context(agency):
        row = PendingTask.objects.for_agency(agency).get(pk=pk)
        if _publish(row):
            PendingTask.objects.for_agency(agency).filter(pk=pk).update(published_at=timezone.now())


@shared_task
def publish_pending_tasks() -> int:
    """Beat, every minute: publish what could not be published after its commit, once; delete
    rows published more than KEEP_PUBLISHED ago. Returns how many it published."""
    now = timezone.now()
    published = 0
    with cross_agency("task outbox"), transaction.atomic():
        rows = list(
            PendingTask.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True, created_at__lte=now - SWEEP_GRACE)
            .order_by("created_at")[:SWEEP_BATCH]
        )
        for row in rows:
            if not _publish(row):
                break  # the broker is still away: the rest wait for the next sweep
            row.published_at = timezone.now()
            row.save(update_fields=["published_at", "updated_at"])
            published += 1
        PendingTask.objects.filter(published_at__lt=now - KEEP_PUBLISHED).delete()
    if published:
        logger.info("outbox sweep published %s task(s)", published)
    return published
