"""Fetch one scan for a member: 404 unless they can see its engagement; 403 for its
findings unless they work on it."""

from __future__ import annotations

from apps.agencies.models import Membership
from apps.core.access import get_for_agency_or_404
from apps.core.errors import PermissionDeniedError
from apps.projects.permissions import can_scan
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


def get_scan_for_findings(*, member: Membership, scan_id: object) -> Scan:
    """The scan, when the member may read its findings (file, line, snippet): staff who
    can scan the engagement. Others who see the engagement get 403, strangers 404."""
    scan = get_scan(member=member, scan_id=scan_id)
    if not can_scan(member, scan.project):
        raise PermissionDeniedError("Only staff working on this engagement see findings.")
    return scan
