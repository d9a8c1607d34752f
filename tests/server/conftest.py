"""Helpers for tests that run the real processes: gunicorn and Celery workers, against the
test database (committed data, so PostgreSQL) and Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the database this test session created, for child processes."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_until(check, *, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except OSError as exc:
            last_error = exc
        else:
            if result:
                return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} ({last_error})")


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status == 200


@pytest.fixture
def processes():
    """Start child processes; every one is stopped (then killed) when the test ends."""
    started: list[subprocess.Popen] = []

    def start(args: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
        full_env = {**os.environ, **env}
        handle = log.open("wb")
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=full_env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def start_worker(processes, *, queue: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A Celery worker on `queue` alone (so runs never take each other's messages), one task at
    a time; returns once it says it is ready. It reads with this process's key ring, as every
    process of a deployment shares one (an invitation's sealed token, a repository token)."""
    from django.conf import settings

    env = {"ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS), **env}
    proc = processes(
        [str(BIN / "celery"), "-A", "config", "worker", "-Q", queue, "-c", "1", "-l", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env,
        log=log,
    )  # fmt: skip
    wait_until(lambda: "ready." in log.read_text(), timeout=60, what="the worker to start")
    return proc


@contextmanager
def publishing_to_redis(**conf):
    """This process publishes tasks to Redis (instead of running them in-process) with `conf`
    on top, and gets its own Celery configuration back afterwards."""
    from config.celery import app as celery_app

    wanted = {"task_always_eager": False, "broker_url": os.environ["REDIS_URL"], **conf}
    saved = {key: celery_app.conf[key] for key in wanted}
    celery_app.conf.update(wanted)
    _drop_broker_connections(celery_app)
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _drop_broker_connections(celery_app)


def _drop_broker_connections(celery_app) -> None:
    """Celery keeps the connection pool of the first broker it published to: without this, a
    test's own `broker_url` went unheard and its tasks went to whichever broker an earlier
    test in the run had used. (Not closed: kombu's shared producer pools, keyed by broker
    URL, may still hand out their connections to the next user of the same broker.)"""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
