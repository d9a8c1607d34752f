"""Shared fixtures, and the rule that CI never skips: with LAUNCHPAD_REQUIRE_SERVICES=1 (set
by .ci/run) a test skipped for a missing service fails the run instead."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from apps.agencies.roles import Role
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
