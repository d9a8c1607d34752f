"""What row-level security costs: the engagement pages with the policies binding, as a ratio
to the same pages on a connection that bypasses them, in the same run.

Both sides go through the whole stack in-process (Django's test client: middleware, tenant
scope, views, templates), on the seed_bench data set. The bound side connects as the app role
(DATABASE_URL), so every statement carries the tenant scope and PostgreSQL applies the
policies; the baseline is the code before row-level security: a superuser connection
(BASELINE_DATABASE_URL), which skips the policies, with the scope-writing step taken out. The
two alternate request by request, so a busy neighbour slows both alike; the load average is
printed beside the figures.

    make db-roles
    createdb -h 127.0.0.1 -U postgres -O launchpad_owner launchpad_bench   # once; then:
    export DATABASE_URL=postgres://launchpad_owner@127.0.0.1:5432/launchpad_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_bench --agencies 100
    DATABASE_URL=postgres://launchpad_app@127.0.0.1:5432/launchpad_bench \\
    BASELINE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/launchpad_bench \\
        .venv/bin/python benchmarks/bench_rls.py --requests 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django
import environ

django.setup()

from django.db import connection, connections  # noqa: E402
from django.db.backends.base.base import BaseDatabaseWrapper  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from apps.core.tenancy import cross_agency  # noqa: E402
from benchmarks.seeded import measured  # noqa: E402

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def wrapper_as(url: str, *, write_scope: bool) -> BaseDatabaseWrapper:
    """A connection to the same database as the role in `url`; without `write_scope` it is
    the connection as it was before row-level security."""
    config = environ.Env.db_url_config(url)
    settings_dict = {**connection.settings_dict}
    for key in ("USER", "PASSWORD"):
        settings_dict[key] = config.get(key, "")
    wrapper = type(connections["default"])(settings_dict, alias="default")
    if not write_scope:
        wrapper.execute_wrappers.remove(wrapper._scoped_execute)
    return wrapper


def role_flags(wrapper: BaseDatabaseWrapper) -> tuple[bool, bool]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()


def timed(client: Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per page and side")
    parser.add_argument("--agency", default="bench-001")
    args = parser.parse_args()
    bound = wrapper_as(os.environ["DATABASE_URL"], write_scope=True)
    baseline_url = os.environ.get("BASELINE_DATABASE_URL") or sys.exit(
        "Set BASELINE_DATABASE_URL to a superuser URL of the same database."
    )
    baseline = wrapper_as(baseline_url, write_scope=False)
    if any(role_flags(bound)) or not any(role_flags(baseline)):
        sys.exit("DATABASE_URL must be the app role, BASELINE_DATABASE_URL a superuser.")
    with cross_agency("benchmark setup"):
        agency, admin, assignment = measured(args.agency)
        project = assignment.project
    pages = [
        ("dashboard", reverse("dashboard", args=[agency.slug])),
        ("engagement page", reverse("project_detail", args=[agency.slug, project.pk])),
        ("checklist items API", reverse("api_project_items", args=[agency.slug, project.pk])),
    ]
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin.user, backend=BACKEND)
    sides = {"bound": bound, "baseline": baseline}
    samples: dict[tuple[str, str], list[float]] = {}
    for name, page in pages:
        for _ in range(5):  # warm both connections, the templates and the caches
            for wrapper in sides.values():
                connections["default"] = wrapper
                client.get(page)
        # Request by request, one side then the other: a busy neighbour slows both alike.
        for _ in range(args.requests):
            for side, wrapper in sides.items():
                connections["default"] = wrapper
                samples.setdefault((name, side), []).append(timed(client, page))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'page':<24}{'RLS median ms':>14}{'bypass median ms':>18}{'ratio':>8}")
    for name, _ in pages:
        with_rls = statistics.median(samples[(name, "bound")])
        without = statistics.median(samples[(name, "baseline")])
        print(f"{name:<24}{with_rls:>14.1f}{without:>18.1f}{with_rls / without:>8.2f}")


if __name__ == "__main__":
    main()
