"""The interface at real size (issue 13): server time and SQL queries of the engagement page
with 180 and with 400 checklist items, and Lighthouse's performance and accessibility scores
for the public booking page, the dashboard and the engagement page.

It builds its own data in a throwaway test database (Django's test-database machinery: the
database of DATABASE_URL is not touched; on PostgreSQL a `test_<name>` database is created
and dropped), through the services: the shared catalog, then agency checklist items until
an engagement holds the number of items asked for.

Server time is measured in-process through Django's test client (no network: the server's
own time per request), median and p95, with the SQL queries of one request; as a ratio to
the sign-in page measured in the same run (a page with no data), with the load average.

Lighthouse 12 (from npm, pinned; installed once into benchmarks/.lighthouse/ when missing)
drives Debian's Chromium against a live server in this process, signed in by the session
cookie. Its scores are printed for its default mobile profile (simulated slow 4G and a 4x
slower CPU) and for its desktop preset.

    DATABASE_URL=postgres://launchpad_owner@127.0.0.1:5432/launchpad \\
        .venv/bin/python benchmarks/bench_pages.py
    .venv/bin/python benchmarks/bench_pages.py --no-lighthouse --requests 50   # SQLite

Targets (issue 13): p95 under 100 ms; Lighthouse performance and accessibility at least 95.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402 - after the settings module is chosen

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.testcases import LiveServerThread, _StaticFilesHandler  # noqa: E402
from django.urls import reverse  # noqa: E402

from benchmarks.seeded import measure  # noqa: E402

LIGHTHOUSE_VERSION = "12.2.3"
LIGHTHOUSE_DIR = ROOT / "benchmarks" / ".lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
SIZES = (180, 400)
REPORTS: Path | None = None  # --reports: keep each Lighthouse report (JSON) there
CLS_GOOD = 0.1  # Lighthouse's threshold for a good cumulative layout shift


def build(sizes: tuple[int, ...]) -> dict:
    """An agency per size, each with one engagement holding exactly that many items."""
    from apps.checklists.catalog import load_catalog
    from apps.core.tenancy import cross_agency, tenant_context
    from tests.factories import AgencyFactory

    with cross_agency("bench_pages"):
        load_catalog()
    built = {}
    for size in sizes:
        with tenant_context(None):
            agency = AgencyFactory(name=f"Bench Studio {size}", slug=f"bench-{size}")
        with tenant_context(agency):
            built[size] = _engagement(agency, size)
    return built


def _engagement(agency, size: int) -> dict:
    from apps.agencies.roles import Role
    from apps.bookings import services as bookings
    from apps.checklists import services as checklists
    from apps.checklists.forms import CATEGORY_LABELS
    from apps.checklists.models import ProjectItem
    from apps.clients.models import Client as AgencyClient
    from apps.projects import services as projects
    from tests.factories import MembershipFactory

    owner = MembershipFactory(agency=agency, role=Role.OWNER)
    engineer = MembershipFactory(agency=agency, role=Role.ENGINEER)
    client = AgencyClient.objects.create(agency=agency, name="Acme")
    project = projects.project_create(
        actor=owner, client=client, name="Acme portal", source_platform="lovable",
        users_at_launch=2_000, users_in_a_year=8_000, compliance=["gdpr"],
    )  # fmt: skip
    projects.project_assign(actor=owner, project=project, member=engineer)
    have = ProjectItem.objects.filter(project=project, retired_at__isnull=True).count()
    if have > size:
        sys.exit(f"The catalog already gives {have} items, more than {size}.")
    # The agency's own items spread over the categories, as a large engagement's are.
    categories = list(CATEGORY_LABELS)
    for n in range(size - have):
        category = categories[n % len(categories)]
        checklists.catalog_item_create(
            actor=owner, key=f"{category}.bench-{n:03d}", category=category,
            title=f"Agency check {n + 1}: rotate the keys of service {n % 17}",
            guidance="Listed so the page carries as many items as a large engagement.",
            severity=("low", "medium", "high", "critical")[n % 4],
        )  # fmt: skip
    checklists.checklist_sync(project=project, actor=owner)
    count = ProjectItem.objects.filter(project=project, retired_at__isnull=True).count()
    bookings.schedule_save(
        actor=owner, member=engineer, time_zone="Europe/Berlin",
        weekly={d: [(clock_time(9), clock_time(17))] for d in range(5)},
    )  # fmt: skip
    bookings.offer_save(
        actor=owner, hosts=[engineer], name="Prototype review", slug="prototype-review",
        duration_minutes=30, interval_minutes=30, minimum_notice_minutes=60,
    )  # fmt: skip
    return {"agency": agency, "owner": owner, "project": project, "items": count}


def server_times(built: dict, requests: int) -> None:
    baseline = measure(Client(SERVER_NAME="localhost"), reverse("account_login"), requests)
    print(f"\nServer time, {requests} requests each (load average {_load()}):")
    print(f"{'page':<34}{'median ms':>10}{'p95 ms':>9}{'x sign-in':>11}{'queries':>9}{'KB':>6}")
    print(f"{'sign-in page (baseline)':<34}{baseline[0]:>10.1f}{baseline[1]:>9.1f}{1:>11.1f}"
          f"{baseline[2]:>9}{baseline[3] / 1024:>6.0f}")  # fmt: skip
    for data in built.values():
        client = Client(SERVER_NAME="localhost")
        client.force_login(data["owner"].user, backend=BACKEND)
        url = reverse("project_detail", args=[data["agency"].slug, data["project"].pk])
        median, p95, queries, size_bytes = measure(client, url, requests)
        name = f"engagement page, {data['items']} items"
        print(f"{name:<34}{median:>10.1f}{p95:>9.1f}{median / baseline[0]:>11.1f}"
              f"{queries:>9}{size_bytes / 1024:>6.0f}")  # fmt: skip


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def lighthouse_binary() -> Path | None:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if binary.exists():
        return binary
    if not shutil.which("npm"):
        return None
    LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Installing lighthouse@{LIGHTHOUSE_VERSION} into {LIGHTHOUSE_DIR} (once)...")
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "-E",
         "--prefix", str(LIGHTHOUSE_DIR), f"lighthouse@{LIGHTHOUSE_VERSION}"],
        check=True,
    )  # fmt: skip
    return binary if binary.exists() else None


@contextmanager
def signed_in_chromium(session: str) -> Iterator[int]:
    """Chromium with the session cookie in its jar, for Lighthouse to drive (`--port`): a
    Cookie header given to Lighthouse reaches the page but not the htmx requests it makes,
    so the fragments it loads would measure the sign-in page instead."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        chrome = subprocess.Popen(
            [CHROMIUM, *CHROME_FLAGS.split(), f"--remote-debugging-port={port}",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            # Playwright's sync API runs an event loop on this thread; Django would refuse
            # ORM calls meanwhile, and none is made while it runs.
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            with sync_playwright() as playwright:
                browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                browser.contexts[0].add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": session,
                      "domain": "localhost", "path": "/"}]
                )  # fmt: skip
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            yield port
        finally:
            chrome.terminate()
            chrome.wait(timeout=10)


def lighthouse(binary: Path, url: str, port: int | None, *, desktop: bool) -> dict:
    with tempfile.TemporaryDirectory() as out:
        report = Path(out) / "report.json"
        command = [
            str(binary), url, "--quiet", "--output=json", f"--output-path={report}",
            "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}",
        ]  # fmt: skip
        if desktop:
            command.append("--preset=desktop")
        if port:
            # The signed-in browser: keep its cookies (Lighthouse clears storage otherwise).
            command += [f"--port={port}", "--disable-storage-reset"]
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        subprocess.run(command, check=True, env=env, capture_output=True, timeout=300)
        data = json.loads(report.read_text())
        if REPORTS:
            REPORTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", url.split("//", 1)[1].lower()).strip("-")[:80]
            shutil.copy(report, REPORTS / f"{name}-{'desktop' if desktop else 'mobile'}.json")
    final = data.get("finalDisplayedUrl") or data.get("finalUrl") or url
    if final.split("?")[0] != url.split("?", maxsplit=1)[0]:
        sys.exit(f"Lighthouse was sent from {url} to {final}: the page was not measured.")
    redirected = [
        r["url"] for r in data["audits"]["network-requests"]["details"]["items"]
        if 300 <= (r.get("statusCode") or 0) < 400
    ]  # fmt: skip
    if redirected:
        sys.exit(f"{url}: {redirected} were redirected (signed out?): not measured as a user.")
    categories = data["categories"]
    audits = data["audits"]
    failing = [
        audits[ref["id"]]["title"]
        for ref in categories["accessibility"]["auditRefs"]
        if ref["weight"] and audits[ref["id"]]["score"] not in (None, 1)
    ]
    shifts = [
        item.get("node", {}).get("snippet", "")[:90]
        for item in (audits.get("layout-shifts", {}).get("details") or {}).get("items", [])
    ]
    return {
        "shifts": shifts[:3],
        "performance": round(categories["performance"]["score"] * 100),
        "accessibility": round(categories["accessibility"]["score"] * 100),
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "tbt": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "failing": failing,
    }


def lighthouse_scores(built: dict) -> None:
    binary = lighthouse_binary()
    if binary is None or not Path(CHROMIUM).exists():
        print("\nLighthouse: skipped (needs npm and /usr/bin/chromium).")
        return
    # As LiveServerTestCase does: an in-memory SQLite database is shared with the thread.
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    server = LiveServerThread("localhost", _StaticFilesHandler, connections_override=shared)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://localhost:{server.port}"
    data = built[max(built)]
    client = Client(SERVER_NAME="localhost")
    client.force_login(data["owner"].user, backend=BACKEND)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    slug = data["agency"].slug
    pages = [
        ("booking page", f"{base}/book/{slug}/prototype-review/?tz=Europe/Berlin", False),
        ("dashboard", base + reverse("dashboard", args=[slug]), True),
        (
            f"engagement page ({data['items']} items)",
            base + reverse("project_detail", args=[slug, data["project"].pk]),
            True,
        ),
    ]
    print(f"\nLighthouse {LIGHTHOUSE_VERSION} on Chromium (load average {_load()}):")
    print(f"{'page':<32}{'profile':<9}{'perf':>6}{'a11y':>6}{'LCP ms':>8}{'TBT ms':>8}{'CLS':>7}")
    try:
        with signed_in_chromium(session) as port:
            for name, url, signed_in in pages:
                for desktop in (False, True):
                    r = lighthouse(binary, url, port if signed_in else None, desktop=desktop)
                    _print_scores(name, "desktop" if desktop else "mobile", r)
    finally:
        server.terminate()


def _print_scores(name: str, profile: str, r: dict) -> None:
    print(f"{name:<32}{profile:<9}{r['performance']:>6}{r['accessibility']:>6}"
          f"{r['lcp']:>8.0f}{r['tbt']:>8.0f}{r['cls']:>7.3f}")  # fmt: skip
    for title in r["failing"]:
        print(f"    accessibility audit not passed: {title}")
    if r["cls"] > CLS_GOOD:
        for snippet in r["shifts"]:
            print(f"    shifted: {snippet}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--reports", type=Path, help="keep the Lighthouse reports here")
    args = parser.parse_args()
    global REPORTS  # noqa: PLW0603 - a run's setting, read by lighthouse()
    REPORTS = args.reports
    # The test database: this script never writes to the database DATABASE_URL names. (No
    # setup_test_environment: its template instrumentation would be measured too.)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        built = build(SIZES)
        print(f"{connection.vendor}: built {len(built)} engagements "
              f"({', '.join(str(b['items']) for b in built.values())} items) "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
        server_times(built, args.requests)
        if not args.no_lighthouse:
            lighthouse_scores(built)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
