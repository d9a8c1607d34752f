"""Background work for privacy rights: the retention purge that beat runs every day."""

from __future__ import annotations

from celery import shared_task

from apps.privacy.services import retention_purge


@shared_task(acks_late=True)
def purge_expired_records() -> dict[str, dict[str, int]]:
    """Delete what has outlived its retention period, over every agency. Safe to run twice
    (or after a missed day): each run deletes what is older than the period then."""
    return retention_purge()
