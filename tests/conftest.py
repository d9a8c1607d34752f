"""Shared fixtures, and the rule that CI never skips: with LAUNCHPAD_REQUIRE_SERVICES=1 (set
by .ci/run) a test skipped for a missing service fails the run instead."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import environ
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

from apps.agencies.roles import Role
from apps.core.tenancy import cross_agency
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytest_plugins = ["tests.support.engagement_fixtures", "tests.support.scan_fixtures"]

REQUIRE_SERVICES = os.environ.get("LAUNCHPAD_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def _redis_reachable() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _service_gaps(item) -> list[str]:
    gaps = []
    if item.get_closest_marker("postgres") and not settings.IS_POSTGRES:
        gaps.append("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if item.get_closest_marker("pgbouncer") and not Path("/usr/sbin/pgbouncer").exists():
        gaps.append("needs PgBouncer at /usr/sbin/pgbouncer (apt-get install pgbouncer)")
    if item.get_closest_marker("redis") and not _redis_reachable():
        gaps.append("needs Redis: set REDIS_URL=redis://... to a running server")
    if item.get_closest_marker("browser"):
        try:
            import playwright  # noqa: F401
        except ImportError:
            gaps.append("needs Playwright for Python (pip install -e '.[dev]')")
        if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
            gaps.append(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return gaps


def pytest_runtest_setup(item):
    gaps = _service_gaps(item)
    if gaps:
        pytest.skip("; ".join(gaps))


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if REQUIRE_SERVICES and _skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"LAUNCHPAD_REQUIRE_SERVICES=1 and {len(_skipped)} test(s) skipped; CI must run "
                "every test on the real stack:",
                red=True,
            )
            for nodeid in _skipped:
                reporter.write_line(f"  {nodeid}", red=True)


# --- PostgreSQL roles -------------------------------------------------------------------
# As in production, the tests connect as the application role (DATABASE_URL), which owns
# nothing and is bound by row-level security; the test database is created and migrated as
# the owner role (DATABASE_OWNER_URL), as `migrate` is in production.
OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")


def _use_role(url: str) -> None:
    config = environ.Env.db_url_config(url)
    for key in ("USER", "PASSWORD"):
        settings.DATABASES["default"][key] = config.get(key, "")
        connection.settings_dict[key] = config.get(key, "")


def _app_url() -> str:
    return os.environ.get("DATABASE_URL", "")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    if OWNER_URL and settings.IS_POSTGRES:
        _use_role(OWNER_URL)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    if not (OWNER_URL and settings.IS_POSTGRES):
        yield
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            # Test-only: transactional tests empty the tables between tests with TRUNCATE
            # and `sites` then resets its sequence: rights the application role has nowhere
            # else (TRUNCATE skips row-level security).
            role = connection.ops.quote_name(settings.DATABASE_APP_ROLE)
            cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {role}")
            cursor.execute(f"GRANT UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        connection.close()
        _use_role(_app_url())
    yield
    with django_db_blocker.unblock():
        connection.close()
        _use_role(OWNER_URL)


@pytest.fixture(autouse=True)
def _fixtures_see_every_agency(request):
    """Factories write rows for several agencies from the test body, as the owner's fixtures
    would: the body runs in the cross-agency scope. What the product runs opens its own scope
    on top (each request, task and tenant_context), so row-level security still binds it;
    tests marked `rls` run with no scope at all, as management commands do."""
    if request.node.get_closest_marker("rls"):
        yield
        return
    with cross_agency("test fixtures"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and throttles live in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def other_agency(db):
    return AgencyFactory()


@pytest.fixture
def make_member(db):
    def make(agency, role=Role.ENGINEER, *, client=None, **user_kwargs):
        """`client`: the client company a client contact's membership is linked to."""
        return MembershipFactory(
            agency=agency, role=role, client=client, user=UserFactory(**user_kwargs)
        )

    return make


@pytest.fixture
def owner(agency, make_member):
    return make_member(agency, Role.OWNER)


@pytest.fixture
def admin_member(agency, make_member):
    return make_member(agency, Role.ADMIN)


@pytest.fixture
def engineer(agency, make_member):
    return make_member(agency, Role.ENGINEER)


@pytest.fixture
def client_member(agency, make_member):
    return make_member(agency, Role.CLIENT)


@pytest.fixture
def login():
    """A test client signed in as the given membership's (or user's) person."""

    def make(who) -> Client:
        user = getattr(who, "user", who)
        client = Client()
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return client

    return make


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Call something, then run the on-commit callbacks it queued, as a real commit would
    (tests run inside a transaction that never commits)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def catalog(db):
    """The shared checklist catalog, loaded from the YAML files (as `load_catalog` does)."""
    from apps.checklists.catalog import load_catalog
    from apps.checklists.models import CatalogItem

    if not CatalogItem.objects.filter(agency__isnull=True).exists():
        load_catalog()
    return CatalogItem.objects.filter(agency__isnull=True)
