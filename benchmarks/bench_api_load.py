"""API latency and throughput under concurrent load, through gunicorn, on the seed_bench data.

DESIGN.md's targets for the API: p95 < 50 ms at 10 concurrent users, and each list endpoint
at >= 80 % of the throughput of a minimal DRF list on the same table, measured in the same
run. This script starts gunicorn as `make serve` does (production settings, sync workers)
with one extra route, the baseline (benchmarks/loadsite/urls.py), then for each endpoint
runs N client threads in a closed loop (each sends its next request when the last one is
answered) over real HTTP with a personal access token, and prints requests per second,
median, p95 and p99 latency, and the throughput as a share of the baseline's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/launchpad_bench \\
        .venv/bin/python benchmarks/bench_api_load.py --clients 10 --seconds 15

The load generator runs on the same machine as the server, as DESIGN.md's targets assume;
its threads take CPU from gunicorn, so the figures are a floor for a separate load machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from apps.agencies import services as agency_services  # noqa: E402
from apps.agencies.models import ApiToken, Membership  # noqa: E402
from benchmarks.seeded import measured  # noqa: E402

TOKEN_NAME = "bench_api_load"  # noqa: S105 - the name tokens are listed under


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def token_for(member: Membership) -> str:
    """A fresh token for the run; the ones earlier runs left behind are revoked first."""
    for old in ApiToken.objects.filter(membership=member, name=TOKEN_NAME, revoked_at=None):
        agency_services.api_token_revoke(actor=member, token=old)
    _, raw = agency_services.api_token_create(actor=member, name=TOKEN_NAME, expires_in_days=1)
    return raw


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.loadsite.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        # The per-user throttle would answer 429 long before the server is saturated.
        "API_THROTTLE_USER": "100000000/min",
        "DEBUG": "false",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = get(port, "/healthz", {})
            if status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not answer /healthz within 30 s")


def get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load(port: int, path: str, headers: dict, clients: int, seconds: float) -> dict:
    """Closed loop: `clients` threads, each with one request in flight, for `seconds`."""
    for _ in range(3 * clients):  # warm every worker's connection, caches and imports
        status, body = get(port, path, headers)
        if status != 200:
            sys.exit(f"{path} answered {status}: {body[:300]!r}")
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        mine, failed = [], 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status, _ = get(port, path, headers)
            mine.append((time.perf_counter() - started) * 1000)
            failed += status != 200
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "median": statistics.median(latencies),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (make serve: 2)")
    parser.add_argument("--agency", default="bench-001")
    args = parser.parse_args()
    agency, owner, assignment = measured(args.agency)
    project = assignment.project
    slug = agency.slug
    items = reverse("api_project_items", args=[slug, project.pk])
    projects = reverse("api_projects", args=[slug])
    engineer = assignment.membership
    endpoints = [
        # (label, path, as whom, baseline label)
        ("baseline: bare DRF list of items", f"/bench/baseline/{project.pk}/items/", None, None),
        ("checklist items, admin", items, owner, "items"),
        ("checklist items, engineer", items, engineer, "items"),
        ("engagements list, admin", projects, owner, None),
        ("engagements list, engineer", projects, engineer, None),
        ("clients list, admin", reverse("api_clients", args=[slug]), owner, None),
        ("GET /api/v1/me", reverse("api_me"), owner, None),
    ]  # fmt: skip
    tokens = {m.pk: token_for(m) for m in (owner, engineer)}
    connection.close()  # the server has its own connections; keep ours out of the way

    port = free_port()
    server = start_server(port, args.workers)
    try:
        print(
            f"gunicorn, {args.workers} sync workers; {args.clients} concurrent clients, "
            f"{args.seconds:.0f} s per endpoint; agency {slug}, engagement {project.pk}"
        )
        print(
            f"{'endpoint':<36}{'req/s':>8}{'median':>9}{'p95':>8}{'p99':>8}"
            f"{'vs base':>9}{'errors':>8}"
        )
        baseline_rps = None
        for label, path, member, compare in endpoints:
            headers = {"Authorization": f"Bearer {tokens[member.pk]}"} if member else {}
            result = load(port, path, headers, args.clients, args.seconds)
            if member is None:
                baseline_rps = result["rps"]
            share = f"{result['rps'] / baseline_rps:.0%}" if compare and baseline_rps else ""
            print(
                f"{label:<36}{result['rps']:>8.1f}{result['median']:>8.1f}ms"
                f"{result['p95']:>6.1f}ms{result['p99']:>6.1f}ms{share:>9}{result['errors']:>8}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
