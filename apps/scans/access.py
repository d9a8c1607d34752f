"""Fetch one scan for a member: 404 unless they can see its engagement."""

from __future__ import annotations

from apps.agencies.models import Membership
from apps.core.access import get_for_agency_or_404
from apps.projects.selectors import visible_projects
from apps.scans.models import Scan


def get_scan(*, member: Membership, scan_id) -> Scan:
    qs = (
        Scan.objects.filter(project__in=visible_projects(member=member))
        .select_related(
            "agency", "project__agency", "project__client", "previous__agency", "requested_by"
        )
        .with_findings_by_severity()
    )
    return get_for_agency_or_404(qs, agency=member.agency, pk=scan_id)
