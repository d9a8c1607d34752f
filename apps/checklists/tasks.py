"""Background work for checklists: re-syncing engagements after the agency's catalog changes,
and the daily readiness point of every active engagement."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.agencies.models import Agency
from apps.checklists.services import checklist_sync, readiness_refresh
from apps.core.tenancy import tenant_context
from apps.projects.models import Project


@shared_task(acks_late=True)
def sync_agency_checklists(*, agency_id: str) -> int:
    """Idempotent: syncing an up-to-date checklist changes nothing."""
    agency = Agency.objects.get(pk=agency_id)
    with tenant_context(agency):
        projects = list(Project.objects.for_agency(agency).active())
        for project in projects:
            checklist_sync(project=project)
    return len(projects)


@shared_task(acks_late=True)
def record_daily_readiness() -> int:
    """Write today's readiness point for engagements that had no change today, so the chart
    has a point for every day. Idempotent: one row per engagement and day."""
    today = timezone.localdate()
    count = 0
    for agency in Agency.objects.all().iterator():
        with tenant_context(agency):
            for project in (
                Project.objects.for_agency(agency)
                .active()
                .exclude(readiness_snapshots__day=today)
                .iterator()
            ):
                readiness_refresh(project=project, day=today)
                count += 1
    return count
