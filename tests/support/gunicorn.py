"""gunicorn as the container image and `make serve` run it, for the tests of the real
processes: static files collected first, two workers, the metrics configuration, and an
access log that names the worker (pid) behind each request."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from django.conf import settings

from tests.server.conftest import BIN, ROOT, database_url, free_port, http_ok, wait_until


def production_env(**extra: str) -> dict[str, str]:
    """The production settings on this run's test database and Redis, over plain http on
    127.0.0.1, with a cache prefix of its own (counters of earlier runs stay in the shared
    Redis for minutes), the test process's key ring (what it encrypts, they read) and mail
    thrown away; `extra` on top."""
    return {
        "ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "server-test-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start_gunicorn(processes, tmp_path: Path, *, env: dict[str, str]) -> tuple[str, Path]:
    """Start it with `env` on top of this process's environment; returns its base URL and
    the path of its log once it answers /healthz."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {"STATIC_ROOT": str(tmp_path / "static"), **env}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        timeout=300,
    )
    processes(
        [
            str(BIN / "gunicorn"),
            "--config", "python:apps.ops.gunicorn_conf",
            "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", "2",
            "--access-logfile", "-",
            "--access-logformat", "pid=%(p)s %(m)s %(U)s %(s)s",
        ],
        env=env,
        log=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_ok(base + "/healthz"), what="gunicorn to answer /healthz")
    return base, log
