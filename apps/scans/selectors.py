"""Reads for scans: an engagement's scans and the hint of its saved token, one scan's
findings grouped for reading, and the comparison with the previous scan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from apps.projects.models import Project
from apps.scans.models import RepositoryAccess, Scan, ScanFinding

SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]


def scan_list(*, project: Project) -> QuerySet[Scan]:
    return (
        Scan.objects.for_agency(project.agency)
        .filter(project=project)
        .select_related("requested_by")
        .defer("report")
        .with_findings_by_severity()
        .order_by("-created_at", "-id")
    )


def latest_scan(*, project: Project) -> Scan | None:
    return scan_list(project=project).first()


def last_good_scan(*, project: Project) -> Scan | None:
    """The newest scan that finished: what the engagement's code looked like the last time
    a scan could read it (a failed or running attempt since does not hide it)."""
    return scan_list(project=project).filter(status=Scan.Status.SUCCEEDED).first()


def repository_token_hint(*, project: Project) -> str:
    """The last characters of the engagement's saved access token; "" when it has none."""
    hint = (
        RepositoryAccess.objects.for_agency(project.agency)
        .filter(project=project)
        .values_list("token_hint", flat=True)
        .first()
    )
    return hint or ""


def finding_list(
    *, scan: Scan, severity: str | None = None, category: str | None = None
) -> QuerySet[ScanFinding]:
    qs = ScanFinding.objects.for_agency(scan.agency).filter(scan=scan)
    if severity:
        qs = qs.filter(severity=severity)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("category", "rule_id", "path", "line", "id")


def findings_grouped(
    findings: Iterable[ScanFinding],
) -> dict[str, dict[str, list[ScanFinding]]]:
    """category -> severity (most severe first) -> findings, each list in the order given."""
    groups: dict[str, dict[str, list[ScanFinding]]] = {}
    for finding in findings:
        by_severity = groups.setdefault(finding.category, {})
        by_severity.setdefault(finding.severity, []).append(finding)
    return {
        category: dict(sorted(by_severity.items(), key=lambda kv: SEVERITY_ORDER.index(kv[0])))
        for category, by_severity in groups.items()
    }


@dataclass(frozen=True)
class ScanDiff:
    previous: Scan | None
    new: list[ScanFinding]
    fixed: list[ScanFinding]
    unchanged: int


def scan_diff(*, scan: Scan, current: list[ScanFinding] | None = None) -> ScanDiff:
    """What is new since the previous successful scan and what was fixed, by finding key
    (rule, file and secret fingerprint or message; a moved line is the same finding).
    `current`: the scan's findings (finding_list), when the caller has read them already."""
    if scan.status != Scan.Status.SUCCEEDED:
        return ScanDiff(previous=scan.previous, new=[], fixed=[], unchanged=0)
    if current is None:
        current = list(finding_list(scan=scan))
    previous = scan.previous  # no query when there is none
    if previous is None:
        return ScanDiff(previous=None, new=current, fixed=[], unchanged=0)
    before = list(finding_list(scan=previous))
    current_keys = {f.key for f in current}
    before_keys = {f.key for f in before}
    return ScanDiff(
        previous=previous,
        new=[f for f in current if f.key not in before_keys],
        fixed=[f for f in before if f.key not in current_keys],
        unchanged=len(current_keys & before_keys),
    )
