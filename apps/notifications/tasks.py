"""Beat tasks of the outbox; the dispatcher and the delivery task are in dispatch.py."""

from __future__ import annotations

from celery import shared_task

from apps.notifications import digest
from apps.notifications.dispatch import deliver, dispatch_deliveries

__all__ = ["deliver", "dispatch_deliveries", "plan_digests"]


@shared_task(acks_late=True)
def plan_digests() -> int:
    """Beat, every 15 minutes: each member's next 08:00 digest is written (once)."""
    return digest.plan()
