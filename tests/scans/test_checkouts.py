"""Temporary checkouts (issue 11, item 4): all under SCAN_WORK_DIR, removed when the scan
ends however it ends, and what a killed worker left (its checkout, its git clone still
running) removed by the next worker's start-up sweep; a clone dies with its worker."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from apps.scans import services
from apps.scans.git import sweep_checkouts
from apps.scans.models import Scan

pytestmark = pytest.mark.django_db


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_checkout_lives_under_the_scans_directory_and_is_removed_even_on_a_crash(
    repo, scanned_project, owner, committing, settings, tmp_path, monkeypatch
):
    settings.SCAN_WORK_DIR = str(tmp_path / "work")
    seen = []

    def crash(path, **kwargs):
        seen.append(path)
        raise ValueError("boom")

    monkeypatch.setattr("apps.scans.tasks.scan_directory", crash)
    scan = committing(services.scan_request, project=scanned_project(str(repo())), actor=owner)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.FAILED
    assert str(seen[0]).startswith(str(tmp_path / "work") + os.sep)
    assert not any((tmp_path / "work").iterdir())


def test_the_start_up_sweep_removes_only_what_dead_workers_left(settings, tmp_path):
    settings.SCAN_WORK_DIR = str(tmp_path)
    dead = tmp_path / f"scan-{_dead_pid()}-abc"
    (dead / "repo").mkdir(parents=True)
    (dead / "repo" / "big.txt").write_text("x")
    alive = tmp_path / f"scan-{os.getpid()}-def"
    alive.mkdir()
    assert sweep_checkouts() == 1
    assert [p.name for p in tmp_path.iterdir()] == [alive.name]


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from django.conf import settings
    settings.configure(SCAN_WORK_DIR=sys.argv[1], SCAN_CLONE_TIMEOUT=600,
                       SCAN_MAX_REPO_BYTES=10**9, SCAN_ALLOW_LOCAL_REPOS=True,
                       SCAN_HISTORY_COMMITS=0)
    from apps.scans.git import Target
    from apps.scans.git import checkout
    with checkout() as work:
        from apps.scans.git import clone
        clone(Target(url=sys.argv[2], host=None, port=None, pinned_address=None), work / "repo")
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) is not running.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_worker_killed_mid_clone_leaves_no_process_and_no_checkout(tmp_path, settings):
    """A real process clones (a git that hangs, standing in for a slow host) and is killed
    with SIGKILL: the clone dies with it, and the start-up sweep removes its checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_git = bin_dir / "git"
    fake_git.write_text(f"#!/bin/sh\necho $$ > {tmp_path}/git.pid\nexec sleep 600\n")
    fake_git.chmod(0o755)
    work = tmp_path / "work"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    worker = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(work), str(tmp_path)], env=env, cwd=Path.cwd()
    )
    git_pid = None
    try:
        pid_file = tmp_path / "git.pid"
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text().strip():
            assert worker.poll() is None, "the worker stopped before cloning"
            assert time.monotonic() < deadline, "the clone never started"
            time.sleep(0.05)
        git_pid = int(pid_file.read_text())
        assert _alive(git_pid)
        assert len(list(work.iterdir())) == 1
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        deadline = time.monotonic() + 30
        while _alive(git_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(git_pid), "the clone outlived its worker"
    finally:  # a failing run leaves nothing behind either
        worker.kill()
        worker.wait()
        if git_pid is not None and _alive(git_pid):
            os.kill(git_pid, signal.SIGKILL)
    settings.SCAN_WORK_DIR = str(work)
    assert sweep_checkouts() == 1
    assert not any(work.iterdir())


def _commits(path: Path) -> int:
    counted = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=path, capture_output=True, text=True, check=True
    )
    return int(counted.stdout)


@pytest.mark.parametrize(("setting", "expected"), [(0, 1), (1, 1), (3, 3), (200, 5)])
def test_the_clone_fetches_up_to_scan_history_commits(setting, expected, tmp_path, settings):
    """History for the scan's history pass (issue 14): SCAN_HISTORY_COMMITS commits at most;
    0 keeps the shallow clone of the latest commit."""
    from apps.scans.git import clone, resolve
    from tests.scans.engine.gitrepo import git, make_repo

    source = make_repo(tmp_path / "source", {"README.md": "# v0\n"})
    for version in range(1, 5):
        (source / "README.md").write_text(f"# v{version}\n")
        git(source, "commit", "-q", "-am", f"v{version}")
    settings.SCAN_HISTORY_COMMITS = setting
    dest = tmp_path / "work" / "repo"
    dest.parent.mkdir()
    clone(resolve(str(source)), dest)
    assert _commits(dest) == expected
    assert (dest / "README.md").read_text() == "# v4\n"  # the tree is the latest commit's
