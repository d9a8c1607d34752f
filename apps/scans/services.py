"""Writes for scans: asking for one, the worker's claim, lease, completion and failure, the
sweeper that rescues scans whose worker died, scheduled rescans, and what a finished scan
does to the engagement's checklist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency, Membership
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.checklists.models import ItemStatus, ProjectItem
from apps.checklists.services import readiness_refresh
from apps.core import crypto
from apps.core.errors import PermissionDeniedError
from apps.core.tenancy import tenant_context
from apps.projects.activity import record_activity
from apps.projects.models import Activity, Project
from apps.projects.permissions import can_scan
from apps.scans import notify
from apps.scans.engine import ScanReport
from apps.scans.git import CloneError, check_url
from apps.scans.models import RepositoryAccess, Scan, ScanFinding
from apps.scans.report import report_rule_titles

# Access tokens of the hosts we clone from are 8 to 400 characters (GitHub's fine-grained
# ones are the longest); anything else is a paste gone wrong.
TOKEN_LENGTH = range(8, 401)

# A scan's primary key as the worker has it: a UUID, or its text from a task's arguments.
ScanId = uuid.UUID | str

# --- Asking for a scan --------------------------------------------------------------------


def _require_can_scan(actor: Membership, project: Project) -> None:
    if not can_scan(actor, project):
        raise PermissionDeniedError("You cannot scan this engagement's repository.")


def _save_token(*, project: Project, token: str, user: User | None) -> None:
    token = token.strip()
    if not TOKEN_LENGTH.start <= len(token) < TOKEN_LENGTH.stop or any(c.isspace() for c in token):
        raise ValidationError({"token": "That does not look like an access token."})
    audit_record(
        verb=Verb.REPOSITORY_TOKEN_SAVED, actor=user, agency=project.agency, target=project,
        changes={"token": f"…{token[-4:]}"},
    )  # fmt: skip
    RepositoryAccess.objects.for_agency(project.agency).update_or_create(
        project=project,
        defaults={
            "agency": project.agency,
            "token_encrypted": crypto.encrypt(token),
            "token_hint": token[-4:],
            "updated_by": user,
        },
    )


@transaction.atomic
def scan_request(
    *,
    project: Project,
    actor: Membership | None,
    repository_url: str | None = None,
    token: str | None = None,
    trigger: str = Scan.Trigger.MANUAL,
) -> Scan:
    """Queue a scan of the engagement's repository (optionally setting a new address or
    token first). While one is queued or running, that one is returned instead."""
    from apps.scans.tasks import queue_scan  # noqa: PLC0415 - the tasks module imports these services

    if actor is not None:
        _require_can_scan(actor, project)
    project = (
        Project.objects.for_agency(project.agency)
        .select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=project.pk)
    )
    url = (repository_url if repository_url is not None else project.repository_url).strip()
    try:
        check_url(url)
    except CloneError as exc:
        raise ValidationError({"repository_url": exc.message}) from None
    if url != project.repository_url:
        old = project.repository_url
        project.repository_url = url
        project.save(update_fields=["repository_url", "updated_at"])
        record_activity(
            project=project, actor=getattr(actor, "user", None), kind=Activity.Kind.PROJECT_UPDATED,
            field="repository_url", old=old, new=url,
        )  # fmt: skip
    if token:
        _save_token(project=project, token=token, user=getattr(actor, "user", None))
    active = Scan.objects.for_agency(project.agency).active().filter(project=project).first()
    if active is not None:
        return active
    previous = (
        Scan.objects.for_agency(project.agency)
        .filter(project=project, status=Scan.Status.SUCCEEDED)
        .order_by("-finished_at")
        .first()
    )
    scan = Scan(
        agency=project.agency, project=project, repository_url=url, trigger=trigger,
        requested_by=getattr(actor, "user", None), previous=previous,
    )  # fmt: skip
    try:
        with transaction.atomic():
            scan.save(force_insert=True)
    except IntegrityError:
        # Another request queued one a moment ago (the one-active-scan constraint).
        return Scan.objects.for_agency(project.agency).active().get(project=project)
    queue_scan(scan)
    return scan


# --- The worker's side ----------------------------------------------------------------------


def _lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.SCAN_LEASE_SECONDS)


def scan_claim(*, agency: Agency, scan_id: ScanId, now: datetime | None = None) -> str | None:
    """Take the agency's scan for this worker: a queued one, or a running one whose worker's
    lease ran out. Returns the run token, or None when there is nothing to do (finished,
    running under a live lease, or not the agency's): a second delivery of the task is then
    harmless. The token is what the rest of the run (heartbeat, release, fail, complete)
    goes by, so only a scan claimed within its agency can be worked on."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        Scan.objects.for_agency(agency)
        .filter(pk=scan_id)
        .filter(
            Q(status=Scan.Status.QUEUED) | Q(status=Scan.Status.RUNNING, lease_expires_at__lt=now)
        )
        .update(
            status=Scan.Status.RUNNING,
            run_token=token,
            started_at=now,
            lease_expires_at=_lease_until(now),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    return token if claimed else None


def scan_heartbeat(*, scan_id: ScanId, run_token: str) -> bool:
    """Extend the lease; False when the scan is no longer this run's (taken over)."""
    now = timezone.now()
    return bool(
        Scan.objects.filter(pk=scan_id, status=Scan.Status.RUNNING, run_token=run_token).update(
            lease_expires_at=_lease_until(now)
        )
    )


def scan_release(*, scan_id: ScanId, run_token: str) -> None:
    """Give a claimed scan back to the queue (before a retry after a transient failure)."""
    Scan.objects.filter(pk=scan_id, status=Scan.Status.RUNNING, run_token=run_token).update(
        status=Scan.Status.QUEUED, run_token="", lease_expires_at=None
    )


@transaction.atomic
def scan_fail(*, scan_id: ScanId, run_token: str | None, code: str, reason: str) -> bool:
    now = timezone.now()
    mine = (
        Q(status=Scan.Status.RUNNING, run_token=run_token)
        if run_token
        else Q(status__in=[Scan.Status.QUEUED, Scan.Status.RUNNING])
    )
    scan = (
        Scan.objects.select_for_update(of=("self",))
        .filter(mine, pk=scan_id)
        .select_related("project")
        .first()
    )
    if scan is None:
        return False
    scan.status = Scan.Status.FAILED
    scan.failure_code = code[:32]
    scan.failure_reason = reason[:1000]
    scan.finished_at = now
    scan.lease_expires_at = None
    scan.completions += 1
    scan.save()
    record_activity(
        project=scan.project, actor=None, kind=Activity.Kind.SCAN,
        message=f"Repository scan failed: {scan.failure_reason}",
    )  # fmt: skip
    notify.scan_finished(scan)
    return True


@dataclass(frozen=True)
class Applied:
    verified: list[str]
    gaps: list[str]


@transaction.atomic
def scan_complete(
    *,
    scan_id: ScanId,
    run_token: str,
    report: ScanReport,
    commit_sha: str,
    timings: dict[str, float],
) -> bool:
    """Store the findings and verdicts and apply them to the checklist, once: a run that lost
    its lease (another worker took over) finds the scan no longer its own and stops here."""
    scan = (
        Scan.objects.select_for_update(of=("self",))
        .select_related("project", "agency")
        .filter(pk=scan_id, status=Scan.Status.RUNNING, run_token=run_token)
        .first()
    )
    if scan is None:
        return False
    findings = [
        ScanFinding(
            agency_id=scan.agency_id,
            scan=scan,
            rule_id=result.rule_id,
            rule_title=result.title[:200],
            category=result.category,
            severity=str(finding.severity or result.severity),
            checklist_keys=list(result.checklist_keys),
            message=finding.message[:1000],
            path=(finding.path or "")[:1000],
            line=finding.line,
            snippet=(finding.snippet or "")[:300],
            fingerprint=(finding.fingerprint or "")[:80],
            key=finding.key(result.rule_id),
        )
        for result in report.results
        if result.failed
        for finding in result.findings
    ]
    ScanFinding.objects.bulk_create(findings, batch_size=500)
    data = report.to_dict()
    data.pop("root", None)  # the worker's temporary path: nothing to keep
    for result in (*data["results"], *data["detections"]):
        result.pop("findings", None)  # stored as rows; the JSON keeps the verdicts
    scan.report = data
    scan.commit_sha = commit_sha[:64]
    scan.timings = {k: round(v, 3) for k, v in timings.items()}
    scan.status = Scan.Status.SUCCEEDED
    scan.finished_at = timezone.now()
    scan.lease_expires_at = None
    scan.completions += 1
    scan.save()
    applied = apply_to_checklist(scan=scan, verdicts=report.checklist())
    readiness_refresh(project=scan.project)
    record_activity(
        project=scan.project, actor=None, kind=Activity.Kind.SCAN,
        message=(
            f"Repository scan of {scan.commit_sha[:8]}: {len(findings)} finding"
            f"{'s' if len(findings) != 1 else ''}; {len(applied.verified)} checklist item"
            f"{'s' if len(applied.verified) != 1 else ''} verified, {len(applied.gaps)} with gaps."
        ),
    )  # fmt: skip
    notify.scan_finished(scan)
    return True


def apply_to_checklist(*, scan: Scan, verdicts: dict[str, dict[str, Any]]) -> Applied:
    """A passing rule proves its items: done and "verified by scan". A failing one opens a
    gap: the item shows it, and an item marked done goes back to "to do". Items that do not
    apply (N/A, retired) are left alone."""
    now = timezone.now()
    project = scan.project
    items = {
        item.key: item
        for item in ProjectItem.objects.for_agency(project.agency)
        .current()
        .filter(project=project, key__in=list(verdicts))
        .exclude(status=ItemStatus.NOT_APPLICABLE)
    }
    rule_titles = report_rule_titles(scan)
    verified, gaps = [], []
    for key, verdict in verdicts.items():
        item = items.get(key)
        if item is None or verdict["status"] == "unknown":
            continue
        if verdict["status"] == "verified":
            changed = item.status != ItemStatus.DONE or item.scan_gap
            item.verified_by_scan_at = now
            item.scan_gap = ""
            if item.status != ItemStatus.DONE:
                _scan_sets_status(item, ItemStatus.DONE, "Verified by the repository scan.")
                item.completed_at = now
            if changed:
                verified.append(key)
        else:
            names = ", ".join(rule_titles.get(r, r) for r in verdict["failed"])
            item.scan_gap = f"Not met in the scan of {scan.commit_sha[:8]}: {names}"[:500]
            item.verified_by_scan_at = None
            if item.status == ItemStatus.DONE:
                _scan_sets_status(item, ItemStatus.TODO, f"Reopened: the scan found {names}.")
                item.completed_at = None
                item.signed_off_at = None
                item.signed_off_by = None
            gaps.append(key)
        item.save()
    return Applied(verified=verified, gaps=gaps)


def _scan_sets_status(item: ProjectItem, status: str, message: str) -> None:
    record_activity(
        project=item.project, actor=None, kind=Activity.Kind.ITEM_CHANGED, item=item,
        field="status", old=ItemStatus(item.status).label, new=ItemStatus(status).label,
        message=message,
    )  # fmt: skip
    item.status = status


# --- Keeping scans moving -----------------------------------------------------------------


def sweep_stuck_scans(*, now: datetime | None = None) -> dict[str, int]:
    """Scans whose worker died (running, lease run out) go back to the queue, up to
    SCAN_MAX_REQUEUES times, then fail with a reason. Scans queued long ago whose message
    was lost are sent again. Rows are claimed with SKIP LOCKED, so a second sweeper running
    at the same time finds nothing to do."""
    from apps.scans.tasks import queue_scan  # noqa: PLC0415 - the tasks module imports these services

    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    with transaction.atomic():
        stuck = list(
            Scan.objects.select_for_update(skip_locked=True).filter(
                status=Scan.Status.RUNNING, lease_expires_at__lt=now
            )
        )
        for scan in stuck:
            if scan.requeues >= settings.SCAN_MAX_REQUEUES:
                scan_fail(
                    scan_id=scan.pk, run_token=scan.run_token, code="worker_lost",
                    reason=(
                        f"The scan's worker stopped {scan.requeues + 1} times without "
                        "finishing. Try again; if it happens again, the repository may be "
                        "too big for the scan's limits."
                    ),
                )  # fmt: skip
                counts["failed"] += 1
                continue
            scan.status = Scan.Status.QUEUED
            scan.run_token = ""
            scan.lease_expires_at = None
            scan.requeues += 1
            scan.save(
                update_fields=["status", "run_token", "lease_expires_at", "requeues", "updated_at"]
            )
            queue_scan(scan)
            counts["requeued"] += 1
        lost = list(
            Scan.objects.select_for_update(skip_locked=True).filter(
                status=Scan.Status.QUEUED,
                updated_at__lt=now - timedelta(seconds=settings.SCAN_LEASE_SECONDS * 10),
            )
        )
        for scan in lost:
            scan.save(update_fields=["updated_at"])
            queue_scan(scan)
            counts["resent"] += 1
    return counts


SCHEDULES = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def queue_scheduled_scans(*, now: datetime | None = None) -> int:
    """Rescan engagements on a schedule whose last scan is older than their interval."""
    now = now or timezone.now()
    count = 0
    projects = (
        Project.objects.filter(archived_at__isnull=True, scan_schedule__in=list(SCHEDULES))
        .exclude(repository_url="")
        .select_related("agency")
        .annotate(last_scan_at=Max("scans__created_at"))
    )
    for project in projects.iterator():
        # The annotation above, which the model's type does not declare.
        last: datetime | None = project.last_scan_at  # type: ignore[attr-defined]
        if last is not None and now - last < SCHEDULES[project.scan_schedule]:
            continue
        try:
            with tenant_context(project.agency):
                scan_request(project=project, actor=None, trigger=Scan.Trigger.SCHEDULE)
        except ValidationError:
            continue  # an address that no longer passes: the engagement page shows it
        count += 1
    return count


@transaction.atomic
def scan_schedule_set(*, actor: Membership, project: Project, schedule: str) -> Project:
    _require_can_scan(actor, project)
    if schedule not in ("", *SCHEDULES):
        raise ValidationError({"scan_schedule": "Choose daily, weekly or no rescans."})
    old = project.scan_schedule
    project.scan_schedule = schedule
    project.save(update_fields=["scan_schedule", "updated_at"])
    record_activity(
        project=project, actor=actor.user, kind=Activity.Kind.PROJECT_UPDATED,
        field="scan_schedule", old=old or "off", new=schedule or "off",
    )  # fmt: skip
    return project


# --- Privacy: retention (called by apps.privacy) ---------------------------------------------


def scans_purge(*, agency: Agency, before: datetime) -> tuple[int, int]:
    """Retention: the agency's scans that finished before `before`, with their findings and
    reports, except each engagement's newest successful scan (its page shows it, and the next
    rescan compares with it). Returns (scans, findings) removed."""
    newest_success = Scan.objects.filter(
        project=OuterRef("project"), status=Scan.Status.SUCCEEDED
    ).order_by("-finished_at", "-created_at")
    old = (
        Scan.objects.for_agency(agency)
        .filter(finished_at__lt=before, status__in=[Scan.Status.SUCCEEDED, Scan.Status.FAILED])
        .exclude(pk=Subquery(newest_success.values("pk")[:1]))
    )
    ids = list(old.values_list("pk", flat=True))
    findings = ScanFinding.objects.for_agency(agency).filter(scan_id__in=ids).count()
    Scan.objects.for_agency(agency).filter(pk__in=ids).delete()
    return len(ids), findings
