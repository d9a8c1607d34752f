"""Metrics from the real process groups: gunicorn with two workers and a Celery worker whose
tasks run in a pool process. Each group writes its numbers to a PROMETHEUS_MULTIPROC_DIR,
and a scrape adds up every process's, whichever process answers it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from apps.agencies import services
from apps.agencies.roles import Role
from apps.notifications.models import Delivery
from tests.factories import MembershipFactory
from tests.server.conftest import (
    ROOT,
    database_url,
    free_port,
    publishing_to_redis,
    start_worker,
    wait_until,
)
from tests.support.gunicorn import production_env, start_gunicorn
from tests.support.server import SERVER_TEST_MARKS

pytestmark = SERVER_TEST_MARKS

TOKEN = "server-metrics-token-" + "y" * 32


def stale_directory(path, family: str, **labels) -> str:
    """A metrics directory left by an earlier run, holding a count of 1000 for `family`
    with `labels`: unless the start clears it, the scrape adds it to this run's."""
    path.mkdir()
    stale = MmapedDict(str(path / "counter_999999.db"))
    key = mmap_key(family, f"{family}_total", list(labels), list(labels.values()), "stale")
    stale.write_value(key, 1000.0, 0.0)
    stale.close()
    return str(path)


def read_metrics(url: str, token: str | None = TOKEN) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def status_of(url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5):
            return 200
    except urllib.error.HTTPError as exc:
        return exc.code


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def gunicorn(processes, tmp_path):
    env = production_env(
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=stale_directory(
            tmp_path / "metrics",
            "launchpad_http_requests",
            view="readyz",
            method="GET",
            status="200",
        ),
    )
    return start_gunicorn(processes, tmp_path, env=env)


def test_a_scrape_adds_up_the_requests_of_every_gunicorn_worker(gunicorn):
    base, log = gunicorn

    def ask(_: int) -> None:
        request = urllib.request.Request(base + "/readyz", headers={"Connection": "close"})
        with urllib.request.urlopen(request, timeout=30):
            pass

    # Each new connection goes to whichever worker accepts first, and one after another the
    # same idle worker may win them all: ask eight at a time, so that while one worker is
    # busy the other takes the next, until both have answered. /readyz, which nothing else
    # asks here; a request that failed on this side would still be counted there, so none
    # may fail.
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        while sent < 400:
            list(pool.map(ask, range(8)))
            sent += 8
            pids = set(re.findall(r"pid=<(\d+)> GET /readyz 200", log.read_text()))
            if len(pids) >= 2:
                break
    assert len(pids) == 2, "one worker answered every request"
    samples = read_metrics(base + "/metrics")
    labels = {"view": "readyz", "method": "GET", "status": "200"}
    assert value(samples, "launchpad_http_requests_total", **labels) == sent
    assert (
        value(samples, "launchpad_http_request_duration_seconds_count", view="readyz", method="GET")
        == sent
    )
    assert ("launchpad_scan_queue_depth", (("status", "queued"),)) in samples
    assert status_of(base + "/metrics") == 404
    assert status_of(base + "/metrics", token="wrong") == 404


def test_the_gunicorn_configuration_turns_multiprocess_mode_on_and_nothing_else():
    """Importing it must not import the config package, whose Celery module would set the
    dev settings for every worker."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PROMETHEUS_MULTIPROC_DIR", "DJANGO_SETTINGS_MODULE"}
    }
    probe = (
        "import os, sys, apps.ops.gunicorn_conf as conf; "
        "print(os.path.isdir(os.environ['PROMETHEUS_MULTIPROC_DIR'])); "
        "print(os.environ.get('DJANGO_SETTINGS_MODULE')); print('config' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.split() == ["True", "None", "False"]


@pytest.fixture
def worker(processes, tmp_path):
    """A worker with one pool process on a queue of its own, exporting its metrics."""
    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        # Nothing listens on port 1: every email fails to connect, and its delivery row
        # records the attempt and waits to be tried again (the task itself succeeds).
        "EMAIL_URL": "smtp://127.0.0.1:1",
        "METRICS_TOKEN": TOKEN,
        "METRICS_WORKER_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": stale_directory(
            tmp_path / "worker-metrics",
            "launchpad_celery_tasks",
            task="apps.checklists.tasks.record_daily_readiness",
            queue=queue,
            outcome="success",
        ),
    }
    start_worker(processes, queue=queue, env=env, log=tmp_path / "worker.log")
    url = f"http://127.0.0.1:{port}/metrics"
    wait_until(lambda: status_of(url) == 404, what="the worker's exporter to listen")
    with publishing_to_redis(task_default_queue=queue):
        yield queue, url


def test_the_worker_exports_outcomes_of_tasks_run_in_its_pool(worker):
    from apps.checklists.tasks import record_daily_readiness, sync_agency_checklists

    queue, url = worker
    record_daily_readiness.delay()
    sync_agency_checklists.delay(agency_id=str(uuid.uuid4()))  # no such agency: fails
    owner = MembershipFactory(role=Role.OWNER)
    services.invitation_create(actor=owner, email="new@example.test", role=Role.ENGINEER)

    def outcome(samples, task, result):
        return value(
            samples, "launchpad_celery_tasks_total", task=task, queue=queue, outcome=result
        )

    def all_recorded():
        samples = read_metrics(url)
        return (
            outcome(samples, "apps.checklists.tasks.record_daily_readiness", "success") == 1
            and outcome(samples, "apps.checklists.tasks.sync_agency_checklists", "failure") == 1
            and outcome(samples, "apps.notifications.dispatch.deliver", "success") >= 1
        ) and samples

    samples = wait_until(all_recorded, timeout=60, what="the three outcomes")
    assert outcome(samples, "apps.checklists.tasks.sync_agency_checklists", "success") == 0
    assert outcome(samples, "apps.notifications.dispatch.deliver", "failure") == 0
    row = Delivery.objects.get(kind="invitation.sent")
    assert row.status == Delivery.Status.PENDING
    assert row.attempts == 1
    assert "Connection refused" in row.last_error
    assert (
        value(
            samples,
            "launchpad_celery_task_duration_seconds_count",
            task="apps.checklists.tasks.record_daily_readiness",
            queue=queue,
        )
        == 1
    )
    assert status_of(url) == 404
    assert status_of(url, token=TOKEN + "x") == 404
    assert status_of(url.replace("/metrics", "/other"), token=TOKEN) == 404
