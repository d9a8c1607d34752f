"""Server time of the engagement pages on the seed_bench data set (PostgreSQL).

Measures, in-process through Django's test client (no network, so this is the server's own
time per request), the dashboard, an engagement page and the checklist items endpoint, as
an admin and as an assigned engineer, and prints median and p95 over repeated requests and
the SQL queries per request.

    createdb launchpad_bench   # once; then:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/launchpad_bench \\
        .venv/bin/python manage.py seed_bench --agencies 100
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/launchpad_bench \\
        .venv/bin/python benchmarks/bench_engagements.py --requests 200
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django

django.setup()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from apps.agencies.models import Agency  # noqa: E402
from apps.projects.models import Project  # noqa: E402
from benchmarks.seeded import measure, measured  # noqa: E402

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--agency", default="bench-001")
    args = parser.parse_args()
    agency, admin, assignment = measured(args.agency)
    project = assignment.project
    totals = (
        Agency.objects.count(),
        Project.objects.count(),
        project.checklist_items.filter(retired_at__isnull=True).count(),
    )
    print(
        f"data: {totals[0]} agencies, {totals[1]} engagements; measured engagement has "
        f"{totals[2]} checklist items; {args.requests} requests each"
    )
    pages = [
        ("dashboard", reverse("dashboard", args=[agency.slug])),
        ("engagement page", reverse("project_detail", args=[agency.slug, project.pk])),
        (
            "checklist items API (first page)",
            reverse("api_project_items", args=[agency.slug, project.pk]),
        ),
    ]
    print(f"{'page':<36}{'as':<10}{'median ms':>10}{'p95 ms':>9}{'queries':>9}{'KB':>7}")
    for who, member in (("admin", admin), ("engineer", assignment.membership)):
        client = Client(SERVER_NAME="localhost")
        client.force_login(member.user, backend=BACKEND)
        for name, url in pages:
            median, p95, queries, size = measure(client, url, args.requests)
            print(f"{name:<36}{who:<10}{median:>10.1f}{p95:>9.1f}{queries:>9}{size / 1024:>7.0f}")


if __name__ == "__main__":
    main()
