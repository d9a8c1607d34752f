"""Scans on a real Celery worker, on Redis and PostgreSQL: a scan goes from queued to
succeeded and changes the checklist; a worker killed with SIGKILL in the middle of a scan
leaves it to a restarted worker (or the sweeper), and no scan runs to completion twice."""

import os
import signal
import time
import uuid

import pytest

from apps.checklists.models import ProjectItem
from apps.scans import services
from apps.scans.models import Scan, ScanFinding
from tests.scans.engine.gitrepo import make_repo
from tests.server.conftest import database_url, publishing_to_redis, start_worker, wait_until
from tests.support.scan_fixtures import LOVABLE_APP
from tests.support.server import SERVER_TEST_MARKS

pytestmark = SERVER_TEST_MARKS

LEASE = 4  # seconds: a dead worker's scan is free to take over this soon
VISIBILITY = 6  # seconds before Redis hands an unacknowledged task to another worker


@pytest.fixture
def scan_worker(processes, tmp_path):
    """Start (and restart) workers on a queue of this test's own, publishing to it from here."""
    queue = f"scans-test-{uuid.uuid4().hex[:8]}"
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": "dummymail://",
        "SCAN_ALLOW_LOCAL_REPOS": "true",
        "SCAN_BLOCK_PRIVATE_NETWORKS": "false",
        "SCAN_LEASE_SECONDS": str(LEASE),
        "SCAN_HEARTBEAT_SECONDS": "1",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
    }
    started = []

    def start():
        log = tmp_path / f"worker-{len(started)}.log"
        proc = start_worker(processes, queue=queue, env=env, log=log)
        started.append((proc, log))
        return proc, log

    with publishing_to_redis(
        broker_transport_options={"visibility_timeout": VISIBILITY},
        task_routes={"apps.scans.tasks.run_scan": {"queue": queue}},
    ):
        yield start


def test_a_scan_runs_on_the_worker_and_changes_the_checklist(
    scan_worker, scanned_project, owner, tmp_path
):
    scan_worker()
    project = scanned_project(str(make_repo(tmp_path / "repo", LOVABLE_APP)))
    scan = services.scan_request(project=project, actor=owner)  # committed: queued to Redis
    assert scan.status == Scan.Status.QUEUED
    wait_until(
        lambda: Scan.objects.get(pk=scan.pk).status == Scan.Status.SUCCEEDED,
        timeout=60,
        what="the scan to succeed",
    )
    scan.refresh_from_db()
    assert scan.completions == 1
    assert ScanFinding.objects.filter(scan=scan).exists()
    gaps = ProjectItem.objects.filter(project=project).exclude(scan_gap="")
    assert gaps.filter(key="testing.unit-tests").exists()
    assert ProjectItem.objects.filter(project=project, verified_by_scan_at__isnull=False).exists()


def _big_repo(path, files=12_000):
    """Big enough that cloning and scanning take several seconds: time to kill the worker."""
    contents = {
        **LOVABLE_APP,
        **{
            f"src/module_{n // 100:03d}/file_{n:05d}.ts": (
                f"export function f{n}(x: number) {{\n  return x * {n} + 1\n}}\n" * 20
            )
            for n in range(files)
        },
    }
    return make_repo(path, contents)


def test_a_worker_killed_mid_scan_leaves_it_to_be_finished_once(
    scan_worker, scanned_project, owner, tmp_path
):
    first, _log = scan_worker()
    project = scanned_project(str(_big_repo(tmp_path / "big")))
    scan = services.scan_request(project=project, actor=owner)
    wait_until(
        lambda: Scan.objects.get(pk=scan.pk).status == Scan.Status.RUNNING,
        timeout=60,
        what="the scan to start",
    )
    time.sleep(1.0)  # in the middle of cloning or scanning
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.RUNNING  # nobody finished it
    assert scan.completions == 0

    scan_worker()  # a restarted worker gets the unacknowledged task once Redis gives it back

    def finished_or_rescued():
        current = Scan.objects.get(pk=scan.pk)
        if current.status == Scan.Status.SUCCEEDED:
            return True
        # If the redelivery came while the dead worker's lease still ran, it was skipped:
        # the sweeper (beat, every minute in production) puts the scan back in the queue.
        if current.lease_expires_at and (time.time() - current.lease_expires_at.timestamp()) > 2:
            services.sweep_stuck_scans()
        return False

    wait_until(finished_or_rescued, timeout=120, interval=1, what="the scan to be finished")
    scan.refresh_from_db()
    assert scan.completions == 1
    assert scan.attempts >= 2
    keys = list(ScanFinding.objects.filter(scan=scan).values_list("key", "path", "line"))
    assert len(keys) == len(set(keys))  # nothing stored twice
