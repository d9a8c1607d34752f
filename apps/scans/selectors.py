"""Reads for scans: an engagement's scans, one scan's findings grouped for reading, and the
comparison with the previous scan."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import QuerySet

from apps.projects.models import Project
from apps.scans.models import Scan, ScanFinding

SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]


def scan_list(*, project: Project) -> QuerySet[Scan]:
    return (
        Scan.objects.for_agency(project.agency)
        .filter(project=project)
        .select_related("requested_by")
        .order_by("-created_at", "-id")
    )


def latest_scan(*, project: Project) -> Scan | None:
    return scan_list(project=project).first()


def finding_list(*, scan: Scan, severity: str | None = None, category: str | None = None):
    qs = ScanFinding.objects.for_agency(scan.agency).filter(scan=scan)
    if severity:
        qs = qs.filter(severity=severity)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("category", "rule_id", "path", "line", "id")


def findings_grouped(*, scan: Scan) -> OrderedDict[str, OrderedDict[str, list[ScanFinding]]]:
    """category -> severity (most severe first) -> findings."""
    groups: OrderedDict[str, OrderedDict[str, list]] = OrderedDict()
    for finding in finding_list(scan=scan):
        by_severity = groups.setdefault(finding.category, OrderedDict())
        by_severity.setdefault(finding.severity, []).append(finding)
    for category, by_severity in groups.items():
        groups[category] = OrderedDict(
            sorted(by_severity.items(), key=lambda kv: SEVERITY_ORDER.index(kv[0]))
        )
    return groups


@dataclass(frozen=True)
class ScanDiff:
    previous: Scan | None
    new: list[ScanFinding]
    fixed: list[ScanFinding]
    unchanged: int


def scan_diff(*, scan: Scan) -> ScanDiff:
    """What is new since the previous successful scan and what was fixed, by finding key
    (rule, file and secret fingerprint or message; a moved line is the same finding)."""
    if scan.status != Scan.Status.SUCCEEDED:
        return ScanDiff(previous=scan.previous, new=[], fixed=[], unchanged=0)
    current = list(finding_list(scan=scan))
    if scan.previous_id is None:
        return ScanDiff(previous=None, new=current, fixed=[], unchanged=0)
    before = list(finding_list(scan=scan.previous))
    current_keys = {f.key for f in current}
    before_keys = {f.key for f in before}
    return ScanDiff(
        previous=scan.previous,
        new=[f for f in current if f.key not in before_keys],
        fixed=[f for f in before if f.key not in current_keys],
        unchanged=len(current_keys & before_keys),
    )


def severity_counts(*, scan: Scan) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    findings = ScanFinding.objects.for_agency(scan.agency).filter(scan=scan)
    for severity in findings.values_list("severity", flat=True):
        counts[severity] = counts.get(severity, 0) + 1
    return counts
