"""Scan work on Celery: run one scan (idempotent, retried on transient network failures),
sweep scans whose worker died, and queue scheduled rescans."""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings
from django.db import connection

from apps.agencies.models import Agency
from apps.core import crypto, outbox
from apps.core.tenancy import cross_agency, tenant_context
from apps.scans import osv, services
from apps.scans.engine import RepositoryTooLarge, ScanLimits, scan_directory
from apps.scans.engine.history import HistoryLimits
from apps.scans.git import CloneError, checkout, clone, resolve, sweep_checkouts
from apps.scans.models import RepositoryAccess, Scan

logger = logging.getLogger(__name__)

SOFT_TIME_LIMIT = 600
TIME_LIMIT = 660  # the broker's visibility timeout (1 h) stays well above this


def queue_scan(scan: Scan) -> None:
    """Run the scan once its row is committed; through the task outbox, so that a broker
    outage neither fails the request nor leaves the scan queued with no message."""
    outbox.enqueue(run_scan, agency=scan.agency, scan_id=str(scan.pk))


class _Heartbeat:
    """Renews the scan's lease from a thread while the scan runs; stops when told to or
    when the scan has been taken over."""

    def __init__(self, scan_id, run_token: str):
        self.scan_id, self.run_token = scan_id, run_token
        self.stop = threading.Event()
        # The thread inherits the task's tenant scope: row-level security hides the scan from
        # a thread that starts with none.
        scope = contextvars.copy_context()
        self.thread = threading.Thread(target=scope.run, args=(self._run,), daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.wait(settings.SCAN_HEARTBEAT_SECONDS):
                if not services.scan_heartbeat(scan_id=self.scan_id, run_token=self.run_token):
                    return
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)
        return False


def _backoff(retries: int) -> float:
    """Exponential, with jitter, capped: 30 s, 60 s, 120 s... up to 10 minutes."""
    return min(600, 30 * 2**retries) * random.uniform(0.5, 1.5)  # noqa: S311 - jitter


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    max_retries=None,  # counted against SCAN_MAX_RETRIES below
)
def run_scan(self, *, agency_id: str, scan_id: str) -> str:
    """Clone and scan. Safe to deliver twice: only the run that claims the scan works on it,
    and only the run still holding it may finish it."""
    # (Celery's Django fix-up closes stale database connections around each task.)
    agency = Agency.objects.get(pk=agency_id)
    with tenant_context(agency):
        run_token = services.scan_claim(agency=agency, scan_id=scan_id)
        if run_token is None:
            return "skipped"
        scan = Scan.objects.for_agency(agency).select_related("project").get(pk=scan_id)
        logger.info("scan %s started (attempt %s)", scan_id, scan.attempts)
        try:
            with _Heartbeat(scan.pk, run_token):
                outcome = _clone_and_scan(scan, run_token)
        except CloneError as exc:
            # In-process runs (no broker) have nobody to come back later: they fail at once.
            retry = exc.transient and not self.request.is_eager
            if retry and self.request.retries < settings.SCAN_MAX_RETRIES:
                services.scan_release(scan_id=scan.pk, run_token=run_token)
                raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
            return _fail(scan, run_token, exc.code, exc.message)
        except RepositoryTooLarge as exc:
            return _fail(scan, run_token, "too_large", exc.message)
        except SoftTimeLimitExceeded:
            minutes = SOFT_TIME_LIMIT // 60
            return _fail(
                scan, run_token, "timeout", f"The scan took longer than {minutes} minutes."
            )
        except Exception as exc:
            # A bug outside the rules (a rule's own crash is that rule's error, in the report):
            # fail now with the real reason, rather than leave the scan "running" for the
            # sweeper to requeue and then blame a lost worker. exc_info takes it to Sentry.
            logger.exception("scan %s crashed", scan_id)
            return _fail(scan, run_token, "internal_error", _crash_reason(exc))
        return outcome


def _crash_reason(exc: BaseException) -> str:
    detail = str(exc).replace("\x00", "").strip()[:200]
    return (
        f"The scan stopped on an unexpected error ({type(exc).__name__}"
        f"{': ' + detail if detail else ''}). It has been reported to the Launchpad team; "
        "scanning again will not help until it is fixed."
    )


def _fail(scan: Scan, run_token: str, code: str, reason: str) -> str:
    services.scan_fail(scan_id=scan.pk, run_token=run_token, code=code, reason=reason)
    return f"failed: {code}"


def _clone_and_scan(scan: Scan, run_token: str) -> str:
    token = None
    access = RepositoryAccess.objects.for_agency(scan.agency).filter(project=scan.project).first()
    if access is not None:
        try:
            token = crypto.decrypt(access.token_encrypted)
        except crypto.InvalidToken:
            raise CloneError(
                "The saved access token can no longer be read (the encryption keys changed). "
                "Enter the token again.",
                code="token_unreadable",
            ) from None
    timings = {}
    with checkout() as work:
        started = time.monotonic()
        target = resolve(scan.repository_url)
        sha = clone(target, work / "repo", token=token)
        timings["clone"] = time.monotonic() - started
        started = time.monotonic()
        history = (
            HistoryLimits(max_commits=settings.SCAN_HISTORY_COMMITS)
            if settings.SCAN_HISTORY_COMMITS
            else None
        )
        report = scan_directory(
            work / "repo",
            limits=ScanLimits(max_files=settings.SCAN_MAX_FILES),
            history=history,
            vulnerabilities=osv.source_from_settings(),
        )
        timings["scan"] = time.monotonic() - started
    if not report.stats.files_seen:
        raise CloneError(
            "The repository has no files to scan (only ignored folders such as node_modules).",
            code="empty_repository",
        )
    escaping = [w.path or "" for w in report.warnings if w.code == "symlink-outside-tree"]
    if escaping:
        # Never followed, but a prototype should not point into the server's files.
        raise CloneError(
            f"The repository has {len(escaping)} symbolic link{'s' if len(escaping) != 1 else ''}"
            f" pointing outside it ({', '.join(escaping[:3])}). Launchpad does not follow "
            "them; remove them and scan again.",
            code="symlink_outside",
        )
    done = services.scan_complete(
        scan_id=scan.pk, run_token=run_token, report=report, commit_sha=sha, timings=timings
    )
    return "succeeded" if done else "superseded"


@worker_ready.connect
def _sweep_checkouts_at_start(**_kwargs) -> None:
    """What a killed worker left on this machine: its checkouts and any clone still running."""
    removed = sweep_checkouts()
    if removed:
        logger.warning("removed %s scan checkout(s) left by stopped workers", removed)


@shared_task(acks_late=True)
def sweep_scans() -> dict:
    with cross_agency("scan sweeper"):
        return services.sweep_stuck_scans()


@shared_task(acks_late=True)
def queue_scheduled_scans() -> int:
    with cross_agency("scheduled rescans"):
        return services.queue_scheduled_scans()
