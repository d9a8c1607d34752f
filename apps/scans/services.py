"""Writes for scans: asking for one, the worker's claim, lease, completion and failure, the
sweeper that rescues scans whose worker died, scheduled rescans, and what a finished scan
does to the engagement's checklist."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
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
from apps.core.tenancy import cross_agency, tenant_context
from apps.projects.activity import record_activity
from apps.projects.models import Activity, Project
from apps.projects.permissions import can_scan
from apps.scans import notify, webhooks
from apps.scans.engine import ScanReport
from apps.scans.git import CloneError, check_url
from apps.scans.models import (
    FindingTriage,
    RepositoryAccess,
    RepositoryPushDelivery,
    RepositoryWebhook,
    Scan,
    ScanFinding,
)
from apps.scans.report import (
    cleared_rules,
    report_rule_titles,
    scan_cleared_rules,
    triaged_verdicts,
)

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
    _push_follow_up(scan.project)
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
            reason=(finding.reason or "")[:500],
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
    # Decisions taken on earlier scans hold on this one: a rule whose every finding was
    # marked a false positive opens no gap (apps.scans.report, "Triage and the verdicts").
    false_positive = (
        FindingTriage.objects.for_agency(scan.agency)
        .filter(project=scan.project, state=FindingTriage.State.FALSE_POSITIVE)
        .values_list("key", flat=True)
    )
    cleared = cleared_rules(
        ((f.rule_id, f.key) for f in findings),
        false_positive=false_positive,
        omitted={r.rule_id: r.findings_omitted for r in report.results},
    )
    applied = apply_to_checklist(
        scan=scan, verdicts=triaged_verdicts(report.checklist(), cleared=cleared)
    )
    readiness_refresh(project=scan.project)
    record_activity(
        project=scan.project, actor=None, kind=Activity.Kind.SCAN,
        message=(
            f"Repository scan of {scan.commit_sha[:8]}: {len(findings)} finding"
            f"{'s' if len(findings) != 1 else ''}; {len(applied.verified)} checklist item"
            f"{'s' if len(applied.verified) != 1 else ''} verified, {len(applied.gaps)} with gaps."
        ),
    )  # fmt: skip
    _push_follow_up(scan.project)
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


# --- Rescans on push (the engagement's repository webhook) ----------------------------------


def _webhook_for_update(project: Project) -> RepositoryWebhook | None:
    return (
        RepositoryWebhook.objects.for_agency(project.agency)
        .select_for_update(of=("self",))
        .filter(project=project)
        .first()
    )


@transaction.atomic
def repository_webhook_connect(
    *, actor: Membership, project: Project
) -> tuple[RepositoryWebhook, str]:
    """Give the engagement a push webhook: an address of its own and a new secret, returned
    to be shown once. The secret is encrypted at rest: GitHub's signature needs it as it is."""
    _require_can_scan(actor, project)
    if _webhook_for_update(project) is not None:
        raise ValidationError(
            "The push webhook is already connected. Replace its secret to get a new one."
        )
    secret = webhooks.new_secret()
    webhook = RepositoryWebhook(
        agency=project.agency, project=project, public_id=webhooks.new_public_id(),
        secret_encrypted=crypto.encrypt(secret), created_by=actor.user,
    )  # fmt: skip
    try:
        with transaction.atomic():
            webhook.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(  # connected by someone else a moment ago
            "The push webhook is already connected. Replace its secret to get a new one."
        ) from None
    audit_record(
        verb=Verb.REPOSITORY_WEBHOOK_CONNECTED, actor=actor.user, agency=project.agency,
        target=project, changes={"push_webhook": {"old": "off", "new": "on"}},
    )  # fmt: skip
    return webhook, secret


@transaction.atomic
def repository_webhook_rotate(
    *, actor: Membership, project: Project
) -> tuple[RepositoryWebhook, str]:
    """A new secret for the engagement's push webhook (the address stays): the old one stops
    verifying at once, so the repository's webhook settings need the new one."""
    _require_can_scan(actor, project)
    webhook = _webhook_for_update(project)
    if webhook is None:
        raise ValidationError("The push webhook is not connected; connect it first.")
    secret = webhooks.new_secret()
    webhook.secret_encrypted = crypto.encrypt(secret)
    webhook.secret_rotated_at = timezone.now()
    webhook.save(update_fields=["secret_encrypted", "secret_rotated_at", "updated_at"])
    audit_record(
        verb=Verb.REPOSITORY_WEBHOOK_ROTATED, actor=actor.user, agency=project.agency,
        target=project,
    )  # fmt: skip
    return webhook, secret


@transaction.atomic
def repository_webhook_disconnect(*, actor: Membership, project: Project) -> None:
    """Remove the push webhook with its delivery log; its address answers nothing from now on
    (connecting again makes a new one)."""
    _require_can_scan(actor, project)
    webhook = _webhook_for_update(project)
    if webhook is None:
        raise ValidationError("The push webhook is not connected.")
    webhook.delete()
    audit_record(
        verb=Verb.REPOSITORY_WEBHOOK_DISCONNECTED, actor=actor.user, agency=project.agency,
        target=project, changes={"push_webhook": {"old": "on", "new": "off"}},
    )  # fmt: skip


Outcome = RepositoryPushDelivery.Outcome


@dataclass(frozen=True)
class PushReceipt:
    """What the receiver answers an authenticated delivery: its outcome, in words, and the
    HTTP status (2xx taken, 4xx refused after reading it)."""

    outcome: str
    detail: str
    status: int
    scan: Scan | None = None


# Compared against when the address names no webhook, so an unknown address takes as long
# to refuse as a bad signature.
_NO_SECRET = webhooks.new_secret()


def repository_push_receive(
    *, public_id: str, headers: Mapping[str, str], body: bytes
) -> PushReceipt:
    """Take one delivery to a push webhook's address: GitHub or GitLab, verified with the
    engagement's secret over the raw body, each delivery id once. A push to the default
    branch of the engagement's repository queues a rescan (or finds one queued; while one
    runs, one more is queued after it); anything else is recorded and ignored. Raises
    webhooks.Refused (nothing recorded, the reason only logged) or webhooks.Malformed."""
    envelope = webhooks.read_envelope(headers)
    with cross_agency("repository push webhook"):
        # The address is all the sender has: it names the agency, which is looked up first.
        found = (
            RepositoryWebhook.objects.filter(public_id=public_id)
            .select_related("agency")
            .only("pk", "agency")
            .first()
        )
    if found is None:
        webhooks.verify(envelope, headers, body, secret=_NO_SECRET)
        raise webhooks.Refused("no webhook has this address")
    with tenant_context(found.agency), transaction.atomic():
        # Locked: deliveries to one webhook are taken one after another, so a replay racing
        # its original and pushes racing each other see what the one before did.
        webhook = (
            RepositoryWebhook.objects.for_agency(found.agency)
            .select_for_update(of=("self",))
            .select_related("project", "agency")
            .filter(pk=found.pk)
            .first()
        )
        if webhook is None:
            raise webhooks.Refused("the webhook was disconnected")
        try:
            secret = crypto.decrypt(webhook.secret_encrypted)
        except crypto.InvalidToken:
            raise webhooks.Refused("the secret cannot be read with ENCRYPTION_KEYS") from None
        if not webhooks.verify(envelope, headers, body, secret=secret):
            raise webhooks.Refused(f"{envelope.provider}: signature or token does not match")
        deliveries = RepositoryPushDelivery.objects.for_agency(webhook.agency)
        if deliveries.filter(webhook=webhook, delivery_id=envelope.delivery_id).exists():
            raise webhooks.Refused(f"delivery {envelope.delivery_id} was received before")
        data = webhooks.parse_json(body)
        receipt, sha = _push_outcome(webhook, envelope, data)
        delivery = RepositoryPushDelivery(
            agency=webhook.agency, webhook=webhook, delivery_id=envelope.delivery_id,
            provider=envelope.provider, event=envelope.event, outcome=receipt.outcome,
            detail=receipt.detail[:300], commit_sha=sha, scan=receipt.scan,
        )  # fmt: skip
        try:
            with transaction.atomic():
                delivery.save(force_insert=True)
        except IntegrityError:
            # The constraint is the guarantee; the check above only saves the work.
            raise webhooks.Refused(f"delivery {envelope.delivery_id} was received before") from None
        _forget_old_deliveries(webhook)
        return receipt


def _push_outcome(
    webhook: RepositoryWebhook, envelope: webhooks.Envelope, data: dict[str, Any]
) -> tuple[PushReceipt, str]:
    """What an authenticated delivery comes to, and the commit it pushed ("" for none)."""
    project = webhook.project
    provider = "GitHub" if envelope.provider == webhooks.GITHUB else "GitLab"
    if webhooks.is_ping(envelope):
        urls = webhooks.repository_urls(envelope, data)
        detail = f"Ping from {provider}."
        if urls and not webhooks.same_repository(project.repository_url, urls):
            detail += f" It was sent for {urls[0][:150]}, not this engagement's repository."
        return PushReceipt(Outcome.PING, detail, 200), ""
    if not webhooks.is_push(envelope):
        detail = f"{provider} event “{envelope.event}” is not a push."
        return PushReceipt(Outcome.IGNORED, detail, 202), ""
    push = webhooks.parse_push(envelope, data)
    if not webhooks.same_repository(project.repository_url, push.repository_urls):
        shown = push.repository_urls[0][:150] if push.repository_urls else "an unnamed repository"
        detail = (
            f"The push is for {shown}, not this engagement's repository "
            f"({project.repository_url[:100] or 'none set'})."
        )
        return PushReceipt(Outcome.WRONG_REPOSITORY, detail, 422), push.commit_sha
    ignored = _why_not_scanned(push, project)
    if ignored:
        return PushReceipt(Outcome.IGNORED, ignored, 202), push.commit_sha
    return _queue_push_rescan(webhook, push), push.commit_sha


def _why_not_scanned(push: webhooks.Push, project: Project) -> str:
    """Why a push of the engagement's repository queues nothing; "" when it queues a rescan."""
    if push.branch is None:
        return f"Not a branch push ({push.ref[:100]})."
    if push.deleted:
        return f"Branch {push.branch[:100]} deleted."
    if not push.to_default_branch:
        return (
            f"Push to {push.branch[:100]}, not the default branch "
            f"({push.default_branch[:100] or 'unknown'})."
        )
    if project.archived_at is not None:
        return "The engagement is archived."
    return ""


def _queue_push_rescan(webhook: RepositoryWebhook, push: webhooks.Push) -> PushReceipt:
    """scan_request's one-active-scan path: a queued scan takes the push as it is (it clones
    later); a running one may have cloned before it, so one follow-up is flagged."""
    project = webhook.project
    asked_at = timezone.now()
    try:
        with transaction.atomic():
            scan = scan_request(project=project, actor=None, trigger=Scan.Trigger.PUSH)
    except ValidationError as exc:
        return PushReceipt(Outcome.NOT_SCANNED, " ".join(exc.messages)[:300], 422)
    short = push.commit_sha[:8] or (push.branch or "")[:100]
    if scan.status == Scan.Status.RUNNING:
        # However many pushes arrive meanwhile, they collapse into the one flag.
        if webhook.follow_up_requested_at is None:
            webhook.follow_up_requested_at = timezone.now()
            webhook.save(update_fields=["follow_up_requested_at", "updated_at"])
        detail = f"Push of {short}: a scan is running; another follows it."
        return PushReceipt(Outcome.FOLLOW_UP, detail, 202, scan)
    if scan.created_at < asked_at:
        detail = f"Push of {short}: a rescan was already queued."
        return PushReceipt(Outcome.ALREADY_QUEUED, detail, 202, scan)
    record_activity(
        project=project, actor=None, kind=Activity.Kind.SCAN,
        message=f"Rescan queued by a push of {short} to {(push.branch or '')[:100]}.",
    )  # fmt: skip
    return PushReceipt(Outcome.QUEUED, f"Push of {short}: rescan queued.", 202, scan)


def _forget_old_deliveries(webhook: RepositoryWebhook) -> None:
    """Keep the newest SCAN_PUSH_DELIVERIES_KEPT: the window in which a replay is recognised."""
    deliveries = RepositoryPushDelivery.objects.for_agency(webhook.agency).filter(webhook=webhook)
    old = list(
        deliveries.order_by("-created_at", "-id").values_list("pk", flat=True)[
            settings.SCAN_PUSH_DELIVERIES_KEPT :
        ]
    )
    if old:
        deliveries.filter(pk__in=old).delete()


def _push_follow_up(project: Project) -> None:
    """The scan that was running when a push arrived has ended: queue the one rescan the
    pushes asked for. Never fails the scan's own ending: an address that no longer passes
    leaves the engagement page to say so, as a scheduled rescan does."""
    webhook = (
        RepositoryWebhook.objects.for_agency(project.agency)
        .select_for_update(of=("self",))
        .filter(project=project, follow_up_requested_at__isnull=False)
        .first()
    )
    if webhook is None:
        return
    webhook.follow_up_requested_at = None
    webhook.save(update_fields=["follow_up_requested_at", "updated_at"])
    try:
        with transaction.atomic():
            scan_request(project=project, actor=None, trigger=Scan.Trigger.PUSH)
    except ValidationError:
        return


# --- Triage: a person's decision on a finding, kept across rescans ---------------------------


def _require_can_triage(actor: Membership, project: Project) -> None:
    # The same people who read findings with their file and line: agency admins, and the
    # engineers assigned to the engagement. Never a client contact.
    if not can_scan(actor, project):
        raise PermissionDeniedError("Only staff working on this engagement can triage findings.")


def _latest_good_scan(project: Project) -> Scan | None:
    return (
        Scan.objects.for_agency(project.agency)
        .filter(project=project, status=Scan.Status.SUCCEEDED)
        .select_related("project__agency")
        .order_by("-finished_at", "-created_at")
        .first()
    )


def _reapply_rule(*, project: Project, rule_id: str, cleared_before: set[str] | None) -> None:
    """When a decision clears a rule of the engagement's newest scan (or un-clears it), the
    checklist items that rule speaks for are set again from that scan. Only those items: a
    decision about one rule never rewrites what a person did to the others since."""
    latest = _latest_good_scan(project)
    if latest is None or cleared_before is None:
        return
    cleared_after = scan_cleared_rules(latest)
    if (rule_id in cleared_before) == (rule_id in cleared_after):
        return
    engine_verdicts = (latest.report or {}).get("checklist") or {}
    verdicts = triaged_verdicts(engine_verdicts, cleared=cleared_after)
    keys = [
        key for key, verdict in engine_verdicts.items() if rule_id in (verdict.get("failed") or [])
    ]
    apply_to_checklist(scan=latest, verdicts={key: verdicts[key] for key in keys})
    readiness_refresh(project=project)


def _cleared_now(project: Project) -> set[str] | None:
    latest = _latest_good_scan(project)
    return scan_cleared_rules(latest) if latest is not None else None


def clean_triage(*, state: object, reason: object) -> tuple[str, str]:
    """The state and the reason, checked: one of the two states, and a reason of 1 to 500
    characters (what a reviewer reads later, so it may not be empty)."""
    errors: dict[str, str] = {}
    if state not in FindingTriage.State.values:
        errors["state"] = "Choose “false positive” or “accepted risk”."
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        errors["reason"] = "Say why: the reason is kept with the decision."
    elif len(text) > FindingTriage.REASON_MAX_LENGTH:
        errors["reason"] = (
            f"Keep the reason to {FindingTriage.REASON_MAX_LENGTH} characters "
            f"(this one has {len(text)})."
        )
    if errors:
        raise ValidationError(errors)
    return str(state), text


@transaction.atomic
def finding_triage_set(
    *, actor: Membership, finding: ScanFinding, state: str, reason: str
) -> FindingTriage:
    """Mark a finding a false positive or an accepted risk, with a reason. The decision is
    the engagement's, on the finding's stable key: every rescan that finds the same thing
    shows it triaged. Setting it again replaces the state and the reason."""
    scan = finding.scan
    project = scan.project
    _require_can_triage(actor, project)
    state, reason = clean_triage(state=state, reason=reason)
    # One decision per key: concurrent marks of the same finding wait on the engagement.
    Project.objects.for_agency(project.agency).select_for_update(of=("self",)).get(pk=project.pk)
    cleared_before = _cleared_now(project)
    triage = (
        FindingTriage.objects.for_agency(project.agency)
        .filter(project=project, key=finding.key)
        .first()
    )
    old_state, old_reason = (triage.state, triage.reason) if triage else ("", "")
    if triage is None:
        triage = FindingTriage(agency=project.agency, project=project, key=finding.key)
    triage.rule_id = finding.rule_id
    triage.state = state
    triage.reason = reason
    triage.decided_by = actor.user
    triage.decided_at = timezone.now()
    triage.full_clean()
    triage.save()
    audit_record(
        verb=Verb.FINDING_TRIAGED, actor=actor.user, agency=project.agency, target=project,
        target_repr=_triage_repr(finding),
        changes={
            "scan": str(scan.pk), "key": finding.key, "rule_id": finding.rule_id,
            "path": finding.path, "state": [old_state, state], "reason": [old_reason, reason],
        },
    )  # fmt: skip
    _reapply_rule(project=project, rule_id=finding.rule_id, cleared_before=cleared_before)
    return triage


@transaction.atomic
def finding_triage_clear(*, actor: Membership, finding: ScanFinding) -> bool:
    """Undo the decision on a finding: it counts again everywhere. False when there was
    none (nothing changes, nothing is audited)."""
    scan = finding.scan
    project = scan.project
    _require_can_triage(actor, project)
    Project.objects.for_agency(project.agency).select_for_update(of=("self",)).get(pk=project.pk)
    triage = (
        FindingTriage.objects.for_agency(project.agency)
        .filter(project=project, key=finding.key)
        .first()
    )
    if triage is None:
        return False
    cleared_before = _cleared_now(project)
    triage.delete()
    audit_record(
        verb=Verb.FINDING_TRIAGE_UNDONE, actor=actor.user, agency=project.agency,
        target=project, target_repr=_triage_repr(finding),
        changes={
            "scan": str(scan.pk), "key": finding.key, "rule_id": finding.rule_id,
            "path": finding.path, "state": [triage.state, ""], "reason": [triage.reason, ""],
        },
    )  # fmt: skip
    _reapply_rule(project=project, rule_id=finding.rule_id, cleared_before=cleared_before)
    return True


def _triage_repr(finding: ScanFinding) -> str:
    place = finding.path or "the whole repository"
    return f"{finding.rule_title} in {place}"[:200]


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
