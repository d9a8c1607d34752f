"""A scan that fails says why at once (issue 11, item 4), and a scan says what it did not read
(item 6): a crashing rule is that rule's error, a crash elsewhere fails the scan in the same
attempt with its real reason, and skipped folders and files are listed, counted and shown."""

import logging
import os

import pytest
import sentry_sdk
from django.urls import reverse
from sentry_sdk.transport import Transport

from apps.scans import services
from apps.scans.engine.registry import Rule, all_rules
from apps.scans.models import Scan
from tests.scans.engine.gitrepo import git, make_repo
from tests.support.scan_fixtures import LOVABLE_APP

pytestmark = pytest.mark.django_db


def _scan(committing, project, owner):
    scan = committing(services.scan_request, project=project, actor=owner)
    scan.refresh_from_db()
    return scan


@pytest.fixture
def crashing_rule(monkeypatch):
    """The last rule raises on every repository; the others run as usual."""
    rule = all_rules()[-1]
    original = Rule.run

    def explode(self, ctx):
        if self.id == rule.id:
            raise RuntimeError("the rule fell over")
        return original(self, ctx)

    monkeypatch.setattr(Rule, "run", explode)
    return rule


@pytest.fixture
def sentry_events():
    """Sentry initialised as production does (its default integrations, logging among them),
    with a transport that keeps the events here instead of sending them."""
    events: list[dict] = []

    class Keep(Transport):
        def capture_envelope(self, envelope):
            events.extend(item.get_event() for item in envelope.items if item.type == "event")

    sentry_sdk.init(
        dsn="https://public@sentry.invalid/1",
        transport=Keep,
        auto_enabling_integrations=False,
    )
    yield events
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: the rest of the run sends nothing


def test_a_rule_that_raises_is_its_error_and_the_scan_succeeds(
    repo, scanned_project, owner, committing, crashing_rule
):
    rule = crashing_rule
    scan = _scan(committing, scanned_project(str(repo())), owner)
    assert scan.status == Scan.Status.SUCCEEDED
    errors = scan.report["errors"]
    assert [e["code"] for e in errors] == ["rule-error"]
    assert f"{rule.id}: RuntimeError: the rule fell over" in errors[0]["message"]


def test_a_crash_outside_the_rules_fails_the_scan_at_once_with_the_real_reason(
    repo, scanned_project, owner, committing, monkeypatch, caplog
):
    def crash(*args, **kwargs):
        raise KeyError("dependencies")

    monkeypatch.setattr("apps.scans.tasks.scan_directory", crash)
    with caplog.at_level(logging.ERROR, logger="apps.scans.tasks"):
        scan = _scan(committing, scanned_project(str(repo())), owner)
    assert (scan.status, scan.failure_code) == (Scan.Status.FAILED, "internal_error")
    assert "KeyError" in scan.failure_reason
    assert "dependencies" in scan.failure_reason
    assert (scan.attempts, scan.requeues) == (1, 0)  # this attempt, not the sweeper's
    assert "worker" not in scan.failure_reason.lower()
    logged = [r for r in caplog.records if r.exc_info]
    assert logged, "logged with exc_info, which Sentry's logging integration sends"
    assert logged[0].exc_info[0] is KeyError


def test_a_nul_in_a_dependency_name_is_stored_not_crashed_on(
    repo, scanned_project, owner, committing
):
    """The issue's reproduction: a dependency name holding \\u0000 in package.json."""
    manifest = '{"name": "app", "dependencies": {"react\\u0000": "^18.2.0", "vite": "5"}}'
    project = scanned_project(str(repo({**LOVABLE_APP, "package.json": manifest})))
    scan = _scan(committing, project, owner)
    assert scan.status == Scan.Status.SUCCEEDED, scan.failure_reason


def test_what_was_not_read_is_listed_counted_and_named(repo, scanned_project, owner, committing):
    deep = "/".join(f"d{n}" for n in range(200))
    files = {
        **LOVABLE_APP,
        f"{deep}/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\nxyz\n",
        "big/data.txt": "x" * 5_000_000,
        "secrets/.env.production": "A=" + "y" * 5_000_000 + "\n",
        "logo.png": b"\x89PNG\x00\x00" + bytes(range(256)),
    }
    scan = _scan(committing, scanned_project(str(repo(files))), owner)
    assert scan.status == Scan.Status.SUCCEEDED
    skipped = scan.report["skipped"]
    assert skipped["counts"] == {
        "too_deep": 1, "too_large": 2, "binary": 1, "unreadable_name": 0,
    }  # fmt: skip
    by_path = {item["path"]: item for item in skipped["items"]}
    too_deep = "/".join(f"d{n}" for n in range(49))  # the 49th level
    assert by_path[too_deep]["reason"] == "too_deep"
    assert by_path["big/data.txt"]["reason"] == "too_large"
    assert by_path["big/data.txt"]["secret_shaped"] is False
    assert by_path["secrets/.env.production"] == {
        "path": "secrets/.env.production", "reason": "too_large", "secret_shaped": True,
    }  # fmt: skip
    assert by_path["logo.png"]["reason"] == "binary"
    # The secret-shaped file skipped for size is named in a warning a person reads.
    named = [w for w in scan.report["warnings"] if w["code"] == "secret-file-not-scanned"]
    assert [w["path"] for w in named] == ["secrets/.env.production"]


def test_an_unreadable_name_is_skipped_and_said(tmp_path, scanned_project, owner, committing):
    path = make_repo(tmp_path / "odd", LOVABLE_APP)
    (path / os.fsdecode(b"bad\xffname.ts")).write_text("x = 1\n")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "odd")
    scan = _scan(committing, scanned_project(str(path)), owner)
    assert scan.status == Scan.Status.SUCCEEDED
    assert scan.report["skipped"]["counts"]["unreadable_name"] == 1
    assert {"path": "bad\ufffdname.ts", "reason": "unreadable_name", "secret_shaped": False} in (
        scan.report["skipped"]["items"]
    )


def test_the_scan_page_and_the_api_count_what_was_skipped_and_show_rule_errors(
    repo, scanned_project, owner, committing, login, crashing_rule
):
    rule = crashing_rule
    deep = "/".join(f"d{n}" for n in range(200))
    files = {**LOVABLE_APP, f"{deep}/key.pem": "k", "big.txt": "x" * 5_000_000}
    project = scanned_project(str(repo(files)))
    scan = _scan(committing, project, owner)
    client = login(owner)
    page = client.get(reverse("scan_detail", args=[scan.agency.slug, scan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 folder too deep, 1 file too large, 0 binary, 0 with an unreadable name" in html
    assert "big.txt" in html
    assert "RuntimeError: the rule fell over" in html
    api = client.get(reverse("api_scan", args=[scan.agency.slug, scan.pk]))
    assert api.status_code == 200, api.content
    body = api.json()
    assert body["skipped"]["counts"] == {
        "too_deep": 1, "too_large": 1, "binary": 0, "unreadable_name": 0,
    }  # fmt: skip
    assert body["skipped"]["total"] == 2
    assert {i["path"] for i in body["skipped"]["items"]} == {
        "big.txt",
        "/".join(deep.split("/")[:49]),
    }
    assert body["rule_errors"] == [f"{rule.id}: RuntimeError: the rule fell over"]


def test_a_crash_outside_the_rules_is_sent_to_sentry(
    repo, scanned_project, owner, committing, monkeypatch, sentry_events
):
    def crash(*args, **kwargs):
        raise KeyError("dependencies")

    monkeypatch.setattr("apps.scans.tasks.scan_directory", crash)
    scan = _scan(committing, scanned_project(str(repo())), owner)
    sentry_sdk.flush()
    assert scan.failure_code == "internal_error"
    crashes = [
        value
        for event in sentry_events
        for value in event.get("exception", {}).get("values", [])
        if value["type"] == "KeyError"
    ]
    assert len(crashes) == 1, sentry_events
    assert "dependencies" in crashes[0]["value"]


def test_a_rule_that_raises_is_not_sent_to_sentry_as_a_crash(
    repo, scanned_project, owner, committing, crashing_rule, sentry_events
):
    # A rule's error is the report's, shown to the engineer; it is not an unhandled crash.
    scan = _scan(committing, scanned_project(str(repo())), owner)
    sentry_sdk.flush()
    assert scan.status == Scan.Status.SUCCEEDED
    assert not [e for e in sentry_events if e.get("level") in ("error", "fatal")]
