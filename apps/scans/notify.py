"""What a finished scan tells people and other systems, through the outbox: a failed scan, at
once, to the engineers assigned to the engagement; a rescan that opened new gaps, to the same;
`scan.finished` to the agency's webhooks. Written in the scan's own transaction."""

from __future__ import annotations

from django.urls import reverse

from apps.agencies.models import Membership
from apps.notifications import digest, endpoints, kinds, render, services
from apps.notifications.models import Delivery
from apps.scans.models import Scan, ScanFinding

FAILED = "scan.failed"
NEW_GAPS = "scan.new_gaps"


def _engineers(scan: Scan) -> list[Membership]:
    return list(
        Membership.objects.for_agency(scan.agency)
        .filter(assignments__project_id=scan.project_id, user__is_active=True)
        .select_related("user")
        .distinct()
    )


def scan_finished(scan: Scan) -> None:
    """After scan_fail or scan_complete committed the outcome (in their transaction)."""
    new = 0
    if scan.status == Scan.Status.SUCCEEDED and scan.previous_id:
        before = ScanFinding.objects.for_agency(scan.agency).filter(scan_id=scan.previous_id)
        new = (
            ScanFinding.objects.for_agency(scan.agency)
            .filter(scan=scan)
            .exclude(key__in=before.values("key"))
            .count()
        )
    kind = FAILED if scan.status == Scan.Status.FAILED else (NEW_GAPS if new else None)
    if kind is not None:
        for member in _engineers(scan):
            services.notify(
                agency=scan.agency, kind=kind, user=member.user, subject=scan,
                payload={"new": new}, dedupe_key=f"scan:{scan.pk}:{kind}:{member.user_id}",
            )  # fmt: skip
    endpoints.emit(
        agency=scan.agency, event="scan.finished", subject=scan,
        data={"scan": {
            "id": str(scan.pk), "status": scan.status, "engagement": str(scan.project_id),
            "commit_sha": scan.commit_sha, "failure_code": scan.failure_code,
            "failure_reason": scan.failure_reason, "new_findings": new,
            "finished_at": scan.finished_at.isoformat() if scan.finished_at else None,
        }},
    )  # fmt: skip


def _scan(row: Delivery) -> Scan:
    return render.subject(row, Scan, "project", "agency")


def _text(row: Delivery) -> tuple[Scan, str, str, str]:
    scan = _scan(row)
    url = reverse("scan_detail", args=[scan.agency.slug, scan.pk])
    if row.kind == FAILED:
        title = f"Scan failed: {scan.project.name}"
        body = scan.failure_reason
    else:
        new = row.payload.get("new", 0)
        title = f"Rescan of {scan.project.name}: {new} new finding{'s' if new != 1 else ''}"
        body = "Gaps that the previous scan did not have. Open the scan to see them."
    return scan, title, body, url


def email(row: Delivery) -> kinds.Email:
    scan, title, body, url = _text(row)
    return render.email(
        to=render.person_email(row), subject=title, template="scans/email/scan_notice",
        context={"scan": scan, "title": title, "body": body, "url": render.absolute(url),
                 "agency_name": scan.agency.name},
    )  # fmt: skip


def in_app(row: Delivery) -> kinds.InApp:
    _, title, body, url = _text(row)
    return kinds.InApp(title=title, body=body, url=url)


def _failed_section(member: Membership, since, _now) -> digest.Section | None:
    if member.role == "client":
        return None
    scans = (
        Scan.objects.for_agency(member.agency)
        .filter(
            status=Scan.Status.FAILED, finished_at__gte=since,
            project__assignments__membership=member,
        )
        .select_related("project", "agency")
        .order_by("-finished_at")[:20]
    )  # fmt: skip
    lines = [
        digest.Line(
            text=f"{scan.project.name}: {scan.failure_reason[:120]}",
            url=reverse("scan_detail", args=[scan.agency.slug, scan.pk]),
        )
        for scan in scans
    ]
    return digest.Section(title="Scans that failed on your engagements", lines=lines)


def register() -> None:
    digest.register_section(_failed_section)
    staff = frozenset({"staff"})
    kinds.register(
        kinds.Kind(
            key=FAILED, label="A scan of my engagement failed",
            email=email, in_app=in_app, audiences=staff,
        )
    )  # fmt: skip
    kinds.register(
        kinds.Kind(
            key=NEW_GAPS, label="A rescan of my engagement found new gaps",
            email=email, in_app=in_app, audiences=staff,
        )
    )  # fmt: skip
