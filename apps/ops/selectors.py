"""Reads for the metrics. They span every agency on purpose, through the one audited path."""

from __future__ import annotations

from django.db.models import Count

from apps.core.tenancy import cross_agency
from apps.scans.models import Scan

QUEUE_STATUSES = (Scan.Status.QUEUED, Scan.Status.RUNNING)


def scan_queue_depth() -> dict[str, int]:
    """Scans waiting for a worker and scans being worked on, of every agency, by status."""
    with cross_agency("metrics"):
        counts: dict[str, int] = dict(
            Scan.objects.filter(status__in=QUEUE_STATUSES)
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
    return {str(status): counts.get(status, 0) for status in QUEUE_STATUSES}
