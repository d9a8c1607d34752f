"""Reads for scans: an engagement's scans and the hint of its saved token, one scan's
findings grouped for reading, and the comparison with the previous scan."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery

from apps.projects.models import Project
from apps.scans.models import (
    FindingTriage,
    RepositoryAccess,
    RepositoryPushDelivery,
    RepositoryWebhook,
    Scan,
    ScanFinding,
)

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


# --- Triage: decisions kept per (engagement, finding key), read beside a scan's rows ------------


def triage_map(*, project: Project, keys: Iterable[str] | None = None) -> dict[str, FindingTriage]:
    """finding key -> the engagement's decision on it (false positive, accepted risk)."""
    qs = FindingTriage.objects.for_agency(project.agency).filter(project=project)
    if keys is not None:
        qs = qs.filter(key__in=set(keys))
    return {t.key: t for t in qs.select_related("decided_by")}


def with_triage(
    findings: list[ScanFinding],
    *,
    project: Project,
    triages: dict[str, FindingTriage] | None = None,
) -> list[ScanFinding]:
    """Each finding with `.triage` set (a FindingTriage or None): one query for the list, or
    none when the caller has the engagement's `triages` (triage_map) already."""
    if triages is None:
        triages = triage_map(project=project, keys=[f.key for f in findings]) if findings else {}
    for finding in findings:
        finding.triage = triages.get(finding.key)  # type: ignore[attr-defined]
    return findings


def false_positive_keys(*, project: Project) -> QuerySet[FindingTriage, Any]:
    """The keys the engagement marked false positive, as a subquery."""
    return (
        FindingTriage.objects.for_agency(project.agency)
        .filter(project=project, state=FindingTriage.State.FALSE_POSITIVE)
        .values("key")
    )


def counted_findings(*, scan: Scan) -> QuerySet[ScanFinding]:
    """The findings the counts and the checklist go by: all but the false positives (an
    accepted risk is still a finding, shown and counted, only marked)."""
    return finding_list(scan=scan).exclude(key__in=false_positive_keys(project=scan.project))


def triage_counts(*, scan: Scan) -> dict[str, int]:
    """How many of the scan's findings are triaged, by state (one query)."""
    state = (
        FindingTriage.objects.for_agency(scan.agency)
        .filter(project=scan.project, key=OuterRef("key"))
        .values("state")[:1]
    )
    rows = (
        ScanFinding.objects.for_agency(scan.agency)
        .filter(scan=scan)
        .annotate(triage_state=Subquery(state))
        .exclude(triage_state=None)
        .values("triage_state")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(FindingTriage.State.values, 0)
    for row in rows:
        counts[row["triage_state"]] = row["n"]
    return counts


def triage_counts_of(findings: Iterable[ScanFinding]) -> dict[str, int]:
    """triage_counts for findings read already (with_triage): no query."""
    counts = dict.fromkeys(FindingTriage.State.values, 0)
    for finding in findings:
        triage = getattr(finding, "triage", None)
        if triage is not None:
            counts[triage.state] += 1
    return counts


def get_finding(*, scan: Scan, finding_id: uuid.UUID | str) -> ScanFinding:
    """One finding of the scan (ScanFinding.DoesNotExist otherwise: the caller's 404)."""
    return ScanFinding.objects.for_agency(scan.agency).get(scan=scan, pk=finding_id)


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
    """`new`, `still_open` and `triaged` split the scan's findings: a finding someone marked
    (false positive, accepted risk) is in `triaged` whether it is new or not, so the other
    two lists are what still needs a person. `fixed`: the previous scan's findings gone now.
    `unchanged`: keys in both scans, triaged or not."""

    previous: Scan | None
    new: list[ScanFinding]
    fixed: list[ScanFinding]
    unchanged: int
    still_open: list[ScanFinding] = field(default_factory=list)
    triaged: list[ScanFinding] = field(default_factory=list)


def scan_diff(
    *,
    scan: Scan,
    current: list[ScanFinding] | None = None,
    triages: dict[str, FindingTriage] | None = None,
) -> ScanDiff:
    """What is new since the previous successful scan and what was fixed, by finding key
    (rule, file and secret fingerprint or message; a moved line is the same finding).
    `current`: the scan's findings (finding_list, with_triage), when the caller has read
    them already; `triages`: the engagement's (triage_map), when the caller has them. Every
    finding returned has `.triage` set."""
    if scan.status != Scan.Status.SUCCEEDED:
        return ScanDiff(previous=scan.previous, new=[], fixed=[], unchanged=0)
    if current is None:
        current = list(finding_list(scan=scan))
    previous = scan.previous  # no query when there is none
    before = list(finding_list(scan=previous)) if previous is not None else []
    missing = [f for f in (*current, *before) if not hasattr(f, "triage")]
    with_triage(missing, project=scan.project, triages=triages)
    before_keys = {f.key for f in before}
    current_keys = {f.key for f in current}
    triaged = [f for f in current if f.triage is not None]  # type: ignore[attr-defined]
    open_ = [f for f in current if f.triage is None]  # type: ignore[attr-defined]
    if previous is None:
        return ScanDiff(previous=None, new=open_, fixed=[], unchanged=0, triaged=triaged)
    return ScanDiff(
        previous=previous,
        new=[f for f in open_ if f.key not in before_keys],
        fixed=[f for f in before if f.key not in current_keys],
        unchanged=len(current_keys & before_keys),
        still_open=[f for f in open_ if f.key in before_keys],
        triaged=triaged,
    )


def repository_webhook(*, project: Project) -> RepositoryWebhook | None:
    """The engagement's push webhook, if connected."""
    return RepositoryWebhook.objects.for_agency(project.agency).filter(project=project).first()


def last_push_delivery(*, project: Project) -> RepositoryPushDelivery | None:
    """The newest delivery the engagement's push webhook took (refused ones are not kept)."""
    return (
        RepositoryPushDelivery.objects.for_agency(project.agency)
        .filter(webhook__project=project)
        .order_by("-created_at", "-id")
        .first()
    )
