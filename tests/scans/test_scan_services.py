"""Scans against the database: a local repository scanned through the same task the worker
runs (in-process here), what it does to the checklist, rescans, idempotency, the sweeper,
scheduled rescans, encrypted tokens, and every kind of bad input failing the scan with a
reason a person can act on, never the worker."""

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from apps.checklists.models import ItemStatus, ProjectItem
from apps.core import crypto
from apps.core.errors import ApplicationError
from apps.projects import services as project_services
from apps.projects.models import Activity
from apps.scans import selectors, services
from apps.scans.git import CloneError, _git_env, resolve
from apps.scans.models import RepositoryAccess, Scan, ScanFinding
from apps.scans.report import finding_total
from apps.scans.tasks import run_scan
from tests.scans.engine.gitrepo import git, make_repo, stripe_key
from tests.support.scan_fixtures import HARDENED_APP, LOVABLE_APP

pytestmark = pytest.mark.django_db


def item(project, key):
    return ProjectItem.objects.get(project=project, key=key)


def start(committing, project, actor, **kwargs):
    scan = committing(services.scan_request, project=project, actor=actor, **kwargs)
    scan.refresh_from_db()
    return scan


def test_a_scan_runs_and_writes_the_checklist(repo, scanned_project, owner, committing):
    secret = stripe_key("live", seed=7)
    project = scanned_project(str(repo({**LOVABLE_APP, "src/pay.ts": f'const key = "{secret}"\n'})))
    before = project.readiness
    scan = start(committing, project, owner)
    assert scan.status == Scan.Status.SUCCEEDED
    assert len(scan.commit_sha) == 40
    assert scan.completions == 1
    assert set(scan.timings) == {"clone", "scan"}
    assert scan.report["platform"]["id"] == "lovable"
    stripe = ScanFinding.objects.get(scan=scan, rule_id="secrets.stripe-key")
    assert (stripe.path, stripe.line) == ("src/pay.ts", 1)
    assert stripe.fingerprint.startswith("sha256:")
    # The secret itself is nowhere: not in findings, not in the stored report.
    stored = json.dumps(list(ScanFinding.objects.values()), default=str) + json.dumps(scan.report)
    assert secret not in stored
    assert secret[8:20] not in stored
    # Gaps on the items the failing rules disprove; verified items done.
    assert "Not met in the scan of" in item(project, "security.no-committed-secrets").scan_gap
    assert item(project, "testing.unit-tests").scan_gap
    project.refresh_from_db()
    assert project.readiness != before or project.readiness > 0
    assert Activity.objects.filter(project=project, kind=Activity.Kind.SCAN).count() == 1


def test_a_rescan_verifies_what_was_fixed_and_reopens_what_broke(
    repo, scanned_project, owner, committing
):
    path = repo()
    project = scanned_project(str(path))
    first = start(committing, project, owner)
    lockfile = item(project, "maintenance.dependency-lockfile")
    assert lockfile.scan_gap
    # The engineer hardens the app; readme item was done by hand and then broken.
    for name in list(LOVABLE_APP):
        (path / name).unlink(missing_ok=True)
    for name, content in HARDENED_APP.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "harden")
    second = start(committing, project, owner)
    assert second.previous == first
    lockfile.refresh_from_db()
    assert (lockfile.status, lockfile.scan_gap) == (ItemStatus.DONE, "")
    assert lockfile.verified_by_scan_at is not None
    env_files = item(project, "security.no-committed-env-files")
    assert env_files.status == ItemStatus.DONE  # the .env is gone
    from apps.scans.selectors import scan_diff

    diff = scan_diff(scan=second)
    fixed_rules = {f.rule_id for f in diff.fixed}
    assert "secrets.env-file-committed" in fixed_rules
    assert "dependencies.lockfile" in fixed_rules
    assert not any(f.rule_id == "dependencies.lockfile" for f in diff.new)
    # Break the lockfile again: the verified item goes back to "to do" with the gap.
    (path / "package-lock.json").unlink()
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "oops")
    start(committing, project, owner)
    lockfile.refresh_from_db()
    assert lockfile.status == ItemStatus.TODO
    assert "dependencies are locked" in lockfile.scan_gap.lower()


def test_not_applicable_items_are_left_alone(repo, scanned_project, owner, committing):
    project = scanned_project(str(repo()))
    from apps.checklists.services import item_update

    na = item(project, "deployment.containerised")
    item_update(actor=owner, item=na, status="not_applicable", not_applicable_reason="Serverless")
    start(committing, project, owner)
    na.refresh_from_db()
    assert (na.status, na.scan_gap) == (ItemStatus.NOT_APPLICABLE, "")


def test_a_finished_scan_never_runs_again(repo, scanned_project, owner, committing):
    project = scanned_project(str(repo()))
    scan = start(committing, project, owner)
    findings = ScanFinding.objects.filter(scan=scan).count()
    assert run_scan(agency_id=str(scan.agency_id), scan_id=str(scan.pk)) == "skipped"
    scan.refresh_from_db()
    assert (scan.completions, scan.attempts) == (1, 1)
    assert ScanFinding.objects.filter(scan=scan).count() == findings


def test_a_second_delivery_of_a_running_scan_does_nothing_while_its_lease_lives(
    repo, scanned_project, owner
):
    project = scanned_project(str(repo()))
    scan = services.scan_request(project=project, actor=owner)  # queued, not yet run
    token = services.scan_claim(agency=scan.agency, scan_id=scan.pk)
    assert token
    assert run_scan(agency_id=str(scan.agency_id), scan_id=str(scan.pk)) == "skipped"
    scan.refresh_from_db()
    assert (scan.status, scan.run_token) == (Scan.Status.RUNNING, token)


def test_a_task_whose_agency_is_not_the_scans_claims_nothing(
    repo, scanned_project, owner, other_agency
):
    project = scanned_project(str(repo()))
    scan = services.scan_request(project=project, actor=owner)  # queued, not yet run
    assert services.scan_claim(agency=other_agency, scan_id=scan.pk) is None
    assert run_scan(agency_id=str(other_agency.pk), scan_id=str(scan.pk)) == "skipped"
    scan.refresh_from_db()
    assert (scan.status, scan.run_token, scan.attempts) == (Scan.Status.QUEUED, "", 0)


def test_a_dead_workers_scan_is_taken_over_and_the_old_run_cannot_finish_it(
    repo, scanned_project, owner
):
    project = scanned_project(str(repo()))
    scan = services.scan_request(project=project, actor=owner)
    dead = services.scan_claim(agency=scan.agency, scan_id=scan.pk)
    Scan.objects.filter(pk=scan.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert run_scan(agency_id=str(scan.agency_id), scan_id=str(scan.pk)) == "succeeded"
    scan.refresh_from_db()
    assert (scan.status, scan.attempts, scan.completions) == (Scan.Status.SUCCEEDED, 2, 1)
    # The first run wakes up and tries to finish: refused, nothing stored twice.
    from apps.scans.engine import scan_directory

    late = services.scan_complete(
        scan_id=scan.pk, run_token=dead, report=scan_directory(str(repo(name="again"))),
        commit_sha="0" * 40, timings={},
    )  # fmt: skip
    assert late is False
    scan.refresh_from_db()
    assert scan.completions == 1


def test_the_sweeper_requeues_a_dead_workers_scan_then_gives_up(
    repo, scanned_project, owner, committing, settings
):
    settings.SCAN_MAX_REQUEUES = 1
    project = scanned_project(str(repo()))
    scan = services.scan_request(project=project, actor=owner)
    services.scan_claim(agency=scan.agency, scan_id=scan.pk)
    expired = timezone.now() - timedelta(seconds=1)
    Scan.objects.filter(pk=scan.pk).update(lease_expires_at=expired)
    counts = committing(services.sweep_stuck_scans)
    assert counts["requeued"] == 1
    scan.refresh_from_db()
    assert (scan.status, scan.requeues) == (Scan.Status.SUCCEEDED, 1)  # run again at once
    # Once more stuck, past the limit: failed, with a reason.
    other = scanned_project(str(repo(name="two")), client_name="Beta")
    stuck = services.scan_request(project=other, actor=owner)
    services.scan_claim(agency=stuck.agency, scan_id=stuck.pk)
    Scan.objects.filter(pk=stuck.pk).update(lease_expires_at=expired, requeues=1)
    assert services.sweep_stuck_scans()["failed"] == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.failure_code) == (Scan.Status.FAILED, "worker_lost")
    assert "stopped 2 times" in stuck.failure_reason


def test_one_active_scan_per_engagement(repo, scanned_project, owner):
    project = scanned_project(str(repo()))
    first = services.scan_request(project=project, actor=owner)
    assert services.scan_request(project=project, actor=owner).pk == first.pk
    assert Scan.objects.filter(project=project).count() == 1


def test_who_may_scan(repo, scanned_project, owner, engineer, client_member):
    project = scanned_project(str(repo()))
    for member in (engineer, client_member):
        with pytest.raises(ApplicationError):
            services.scan_request(project=project, actor=member)
    project_services.project_assign(actor=owner, project=project, member=engineer)
    engineer.__dict__.pop("_perm_checker", None)
    assert services.scan_request(project=project, actor=engineer).status == Scan.Status.QUEUED
    assert Scan.objects.count() == 1


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "Only https addresses"),
        ("http://github.com/acme/app.git", "Only https addresses"),
        ("ssh://git@github.com/acme/app.git", "Only https addresses"),
        ("git@github.com:acme/app.git", "Only https addresses"),
        ("https://user:pass@github.com/acme/app.git", "Remove the user name or token"),
        ("https:///nohost", "no valid host"),
        ("", "Give the repository's https address"),
    ],
)
def test_malformed_addresses_are_refused_when_asked_and_nothing_is_queued(
    scanned_project, owner, url, message
):
    project = scanned_project("")
    with pytest.raises(ValidationError) as excinfo:
        services.scan_request(project=project, actor=owner, repository_url=url)
    assert message in excinfo.value.message_dict["repository_url"][0]
    assert not Scan.objects.exists()


def _run_bad(scanned_project, url, **settings_overrides):
    project = scanned_project("")
    scan = Scan.objects.create(agency=project.agency, project=project, repository_url=url)
    with override_settings(**settings_overrides):
        kwargs = {"agency_id": str(scan.agency_id), "scan_id": str(scan.pk)}
        result = run_scan.apply(kwargs=kwargs).get()  # in-process, as without a broker
    scan.refresh_from_db()
    return result, scan


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("ftp://example.com/app.git", "unsupported_scheme", "Only https addresses"),
        ("https://localhost/acme/app.git", "private_address", "private or internal network"),
        ("https://127.0.0.1/app.git", "private_address", "private or internal network"),
        ("https://10.1.2.3/app.git", "private_address", "private or internal network"),
        ("https://169.254.169.254/latest/meta-data", "private_address", "private or internal"),
        ("https://[::1]/app.git", "private_address", "private or internal network"),
        ("https://no-such-host.invalid/app.git", "host_not_found", "could not be found"),
    ],
)
def test_addresses_the_worker_refuses_fail_the_scan_with_a_reason(
    scanned_project, url, code, message
):
    result, scan = _run_bad(scanned_project, url, SCAN_BLOCK_PRIVATE_NETWORKS=True)
    assert result == f"failed: {code}"
    assert (scan.status, scan.failure_code) == (Scan.Status.FAILED, code)
    assert message in scan.failure_reason


def test_an_empty_repository_fails_the_scan(tmp_path, scanned_project):
    empty = make_repo(tmp_path / "empty", {})
    _, scan = _run_bad(scanned_project, str(empty))
    assert scan.failure_code == "empty_repository"
    assert "no commits" in scan.failure_reason


def test_a_repository_too_large_fails_the_scan(repo, scanned_project):
    big = repo({"blob.txt": "x" * 3_000_000})
    _, scan = _run_bad(scanned_project, str(big), SCAN_MAX_REPO_BYTES=1_000_000)
    assert scan.failure_code == "too_large"
    assert "larger than 1 MB" in scan.failure_reason


def test_too_many_files_fails_the_scan(repo, scanned_project):
    many = repo({f"f/{n}.txt": "x" for n in range(60)})
    _, scan = _run_bad(scanned_project, str(many), SCAN_MAX_FILES=50)
    assert scan.failure_code == "too_large"


def test_a_clone_too_slow_is_retried_with_backoff_then_fails_the_scan(
    repo, scanned_project, settings, monkeypatch
):
    """On a worker a transient failure (here: the clone's time limit) gives the scan back to
    the queue and retries later; the last allowed retry fails it with the reason."""
    from celery.exceptions import Retry

    settings.SCAN_MAX_RETRIES = 2
    settings.SCAN_CLONE_TIMEOUT = 0.000001
    project = scanned_project("")
    scan = Scan.objects.create(agency=project.agency, project=project, repository_url=str(repo()))
    kwargs = {"agency_id": str(scan.agency_id), "scan_id": str(scan.pk)}
    # As a worker runs it: not eager, so the retry is scheduled, not run inline.
    monkeypatch.setattr(run_scan, "retry", lambda exc, countdown: Retry(exc=exc, when=countdown))
    run_scan.push_request(is_eager=False, retries=0)
    try:
        with pytest.raises(Retry) as excinfo:
            run_scan.run(**kwargs)
    finally:
        run_scan.pop_request()
    assert 15 <= excinfo.value.when <= 45  # 30 s with jitter
    scan.refresh_from_db()
    assert (scan.status, scan.attempts) == (Scan.Status.QUEUED, 1)  # given back
    run_scan.push_request(is_eager=False, retries=2)  # the last allowed attempt
    try:
        assert run_scan.run(**kwargs) == "failed: timeout"
    finally:
        run_scan.pop_request()
    scan.refresh_from_db()
    assert (scan.status, scan.failure_code, scan.attempts) == (Scan.Status.FAILED, "timeout", 2)
    assert "longer than 0 seconds" in scan.failure_reason


def test_in_process_runs_fail_a_transient_error_at_once(repo, scanned_project, settings):
    settings.SCAN_CLONE_TIMEOUT = 0.000001
    _, scan = _run_bad(scanned_project, str(repo()))
    assert (scan.status, scan.failure_code) == (Scan.Status.FAILED, "timeout")


def test_symlinks_out_of_the_tree_fail_the_scan_and_are_never_read(tmp_path, scanned_project):
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("sk_live_" + "Z" * 30)
    linked = make_repo(tmp_path / "linked", LOVABLE_APP, symlinks={"leak.txt": str(outside)})
    _, scan = _run_bad(scanned_project, str(linked))
    assert scan.failure_code == "symlink_outside"
    assert "leak.txt" in scan.failure_reason
    assert not ScanFinding.objects.exists()


def test_binary_files_are_skipped_and_counted(repo, scanned_project, owner, committing):
    project = scanned_project(
        str(repo({**LOVABLE_APP, "logo.png": b"\x89PNG\x00\x00" + bytes(range(256)) * 20}))
    )
    scan = start(committing, project, owner)
    assert scan.status == Scan.Status.SUCCEEDED
    assert scan.report["stats"]["skipped_binary"] == 1


def test_a_missing_repository_fails_with_a_reason(tmp_path, scanned_project):
    _, scan = _run_bad(scanned_project, str(tmp_path / "nothing-here"))
    assert scan.failure_code == "not_found"


# --- Tokens -----------------------------------------------------------------------------------


def test_tokens_are_encrypted_at_rest_and_shown_by_hint_only(repo, scanned_project, owner):
    project = scanned_project(str(repo()))
    token = "ghp_" + "A1b2C3d4" * 4
    services.scan_request(project=project, actor=owner, token=token)
    access = RepositoryAccess.objects.get(project=project)
    assert token not in access.token_encrypted
    assert access.token_hint == token[-4:]
    assert crypto.decrypt(access.token_encrypted) == token
    with pytest.raises(ValidationError):
        services.scan_request(project=project, actor=owner, token="short")


def test_tokens_survive_key_rotation(repo, scanned_project, owner, settings):
    project = scanned_project(str(repo()))
    token = "glpat-" + "x" * 20
    services.scan_request(project=project, actor=owner, token=token)
    old_key = settings.ENCRYPTION_KEYS[0]
    new_key = "bmV3LWtleS1mb3ItbGF1bmNocGFkLXRva2Vucy0zMiE="
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_keys", verbosity=0)
    settings.ENCRYPTION_KEYS = [new_key]  # the old key is gone
    access = RepositoryAccess.objects.get(project=project)
    assert crypto.decrypt(access.token_encrypted) == token


def test_the_token_is_never_on_the_command_line(tmp_path):
    target = resolve("https://github.com/acme/app.git")
    env = _git_env(target, "s3cr3t-token-value", tmp_path)
    values = [v for k, v in env.items() if k.startswith("GIT_CONFIG_VALUE_")]
    assert any(v.startswith("Authorization: Basic ") for v in values)
    assert all("s3cr3t-token-value" not in v for v in values)  # base64, not in the clear
    assert "http.followRedirects" in env.values()


def test_clone_errors_never_echo_the_token():
    from apps.scans.git import _clone_failure

    error = _clone_failure("fatal: could not read from https://x:tok3n@h/ - tok3n", "tok3n")
    assert "tok3n" not in error.message


# --- Reading ---------------------------------------------------------------------------------


def test_the_scan_list_counts_findings_without_reading_whole_reports(
    repo, scanned_project, owner, committing
):
    project = scanned_project(str(repo()))
    start(committing, project, owner)
    queued = Scan.objects.create(agency=project.agency, project=project, repository_url="x")
    newest, done = selectors.scan_list(project=project)
    assert newest == queued
    assert "report" in done.get_deferred_fields()
    assert finding_total(done) == ScanFinding.objects.filter(scan=done).count() > 0
    assert finding_total(newest) is None


# --- Schedule -------------------------------------------------------------------------------


def test_scheduled_rescans_are_queued_when_due(repo, scanned_project, owner, committing):
    project = scanned_project(str(repo()))
    services.scan_schedule_set(actor=owner, project=project, schedule="daily")
    assert committing(services.queue_scheduled_scans) == 1
    scan = Scan.objects.get(project=project)
    assert (scan.trigger, scan.status) == (Scan.Trigger.SCHEDULE, Scan.Status.SUCCEEDED)
    assert services.queue_scheduled_scans() == 0  # not due again yet
    Scan.objects.filter(pk=scan.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert committing(services.queue_scheduled_scans) == 1
    with pytest.raises(ValidationError):
        services.scan_schedule_set(actor=owner, project=project, schedule="hourly")


def test_the_schedule_check_is_one_query_whatever_the_number_of_engagements(
    scanned_project, owner, django_assert_num_queries
):
    for n in range(3):
        project = scanned_project("https://example.com/acme/app.git", client_name=f"Acme {n}")
        services.scan_schedule_set(actor=owner, project=project, schedule="daily")
        Scan.objects.create(
            agency=project.agency, project=project, repository_url=project.repository_url,
            status=Scan.Status.SUCCEEDED,
        )  # fmt: skip
    with django_assert_num_queries(1):
        assert services.queue_scheduled_scans() == 0  # each scanned just now: none due


def test_pinned_resolution_and_private_check_for_a_public_host(monkeypatch, settings):
    import socket

    settings.SCAN_BLOCK_PRIVATE_NETWORKS = True
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("140.82.112.3", 443))]
    )
    target = resolve("https://github.com/acme/app.git")
    assert target.pinned_address == "140.82.112.3"
    env = _git_env(target, None, Path(os.devnull))
    assert "github.com:443:140.82.112.3" in env.values()
    monkeypatch.setattr(
        socket, "getaddrinfo",
        lambda *a, **k: [(2, 1, 6, "", ("140.82.112.3", 443)), (2, 1, 6, "", ("10.0.0.8", 443))],
    )  # fmt: skip
    with pytest.raises(CloneError) as excinfo:
        resolve("https://rebind.example.com/app.git")
    assert excinfo.value.code == "private_address"
