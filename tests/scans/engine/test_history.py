"""The git-history pass (issue 14, item 1): a secret added in one commit and removed in the
next is reported as "still in history: rotate it" with the commit; one still in the tree is
reported once, by the tree rule; bad input (not a repository, a shallow clone, binary and
huge diffs, git missing, a hostile repository configuration) is a warning and "not checked",
never a crash and never "passed"."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from apps.scans.engine import Severity, Status, scan_directory
from apps.scans.engine.history import HistoryLimits, scan_history

from . import gitrepo as g

RULE = "secrets.in-history"


def commit(repo: Path, files: dict[str, str | bytes], *, remove=(), message="change") -> str:
    for path, content in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    for path in remove:
        (repo / path).unlink()
    g.git(repo, "add", "-A")
    g.git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return rev(repo, "HEAD")


def rev(repo: Path, what: str, *args: str) -> str:
    return subprocess.run(
        ["git", *args, "rev-parse", what], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def history_scan(repo: Path, **limits) -> tuple:
    report = scan_directory(repo, history=HistoryLimits(**limits))
    return report, report.result(RULE)


@pytest.fixture
def leaked(tmp_path):
    """A secret added in one commit (line 3 of src/pay.ts) and removed in the next."""
    repo = g.make_repo(tmp_path / "repo", {"README.md": "# shop\n"})
    key = g.stripe_key(seed=11)
    added = commit(
        repo,
        {"src/pay.ts": f"import Stripe from 'stripe';\n\nconst stripe = new Stripe('{key}');\n"},
        message="add payments",
    )
    commit(
        repo,
        {"src/pay.ts": "import Stripe from 'stripe';\nconst stripe = new Stripe(env.KEY);\n"},
        message="read the key from the environment",
    )
    return repo, key, added


def test_a_secret_removed_from_the_tree_is_still_in_history(leaked):
    repo, key, added = leaked
    report, result = history_scan(repo)
    assert report.result("secrets.stripe-key").passed  # the tree no longer has it
    assert result.status is Status.FAILED
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert (finding.path, finding.line) == ("src/pay.ts", 3)
    assert finding.severity is Severity.CRITICAL
    assert "still in history: rotate it" in finding.message
    assert added[:8] in finding.message
    author_day = subprocess.run(
        ["git", "log", "-1", "--format=%aI", added],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout[:10]
    assert author_day in finding.message
    assert finding.snippet.startswith("sk_live_…")
    assert added[:8] in finding.reason
    assert result.checklist_keys == ("security.no-committed-secrets",)
    assert key not in str(report.to_dict())


def test_a_secret_still_in_the_tree_is_reported_once_by_the_tree_rule(tmp_path):
    key = g.openai_key(seed=4)
    repo = g.make_repo(tmp_path / "repo", {"src/ai.ts": f"const k = '{key}';\n"})
    commit(repo, {"src/ai.ts": f"// the client\nconst k = '{key}';\n"})  # moved a line down
    commit(repo, {"src/other.ts": f"export const again = '{key}';\n"})
    report, result = history_scan(repo)
    assert len(report.result("secrets.openai-key").findings) == 2
    assert result.status is Status.PASSED
    assert "3 commit(s) read" in result.summary


def test_a_secret_moved_to_another_file_is_not_reported_as_history(tmp_path):
    key = g.github_token(seed=6)
    repo = g.make_repo(tmp_path / "repo", {"a.yml": f"token: {key}\n"})
    commit(repo, {"b.yml": f"token: {key}\n"}, remove=("a.yml",))
    _, result = history_scan(repo)
    assert result.passed


def test_placeholders_and_local_defaults_in_history_are_not_reported(tmp_path):
    repo = g.make_repo(tmp_path / "repo", {"README.md": "# app\n"})
    commit(
        repo,
        {
            "config.py": "API_KEY = 'YOUR_API_KEY'\n"
            "DB = 'postgres://postgres:postgres@localhost:5432/app'\n"
        },
    )
    commit(repo, {}, remove=("config.py",))
    _, result = history_scan(repo)
    assert result.passed


def test_history_is_not_read_unless_asked(leaked):
    repo, _, _ = leaked
    result = scan_directory(repo).result(RULE)
    assert result.status is Status.NOT_APPLICABLE
    assert result.summary.startswith("Not checked")


def test_a_tree_that_is_not_a_git_repository_is_not_checked(tmp_path):
    plain = tmp_path / "plain"
    (plain / "src").mkdir(parents=True)
    (plain / "src" / "a.ts").write_text("export const a = 1;\n")
    report, result = history_scan(plain)
    assert result.status is Status.NOT_APPLICABLE
    assert "not a git repository" in result.summary
    assert [w.code for w in report.warnings] == ["history-not-read"]


def test_a_repository_inside_another_is_not_read_through_its_parent(tmp_path):
    outer = g.make_repo(tmp_path / "outer", {"README.md": "# outer\n"})
    inner = outer / "sub"
    inner.mkdir()
    (inner / "a.ts").write_text("export const a = 1;\n")
    _, result = history_scan(inner)
    assert "not a git repository" in result.summary


def test_a_shallow_clone_of_depth_one_is_not_checked(leaked, tmp_path):
    repo, _, _ = leaked
    clone = tmp_path / "shallow"
    g.git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    report, result = history_scan(clone)
    assert result.status is Status.NOT_APPLICABLE
    assert "shallow" in result.summary
    assert "history-not-read" in [w.code for w in report.warnings]


def test_a_clone_of_bounded_depth_reads_what_it_fetched(leaked, tmp_path):
    repo, _, added = leaked
    clone = tmp_path / "deeper"
    g.git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo}", str(clone))
    _, result = history_scan(clone)
    assert result.status is Status.FAILED
    assert added[:8] in result.findings[0].message
    assert "the clone is shallow" in result.summary


def test_the_commit_limit_bounds_what_is_read(leaked):
    repo, _, _ = leaked
    _, result = history_scan(repo, max_commits=1)  # only the commit that removed it
    assert result.passed
    assert "1 commit(s) read" in result.summary


def test_binary_diffs_are_skipped(tmp_path):
    key = g.stripe_key(seed=12)
    repo = g.make_repo(tmp_path / "repo", {"README.md": "# app\n"})
    commit(repo, {"data/blob.dat": b"\x00\x01" + key.encode() + b"\x00" * 50})
    commit(repo, {}, remove=("data/blob.dat",))
    report, result = history_scan(repo)
    assert result.passed
    assert report.errors == []


def test_a_huge_change_is_bounded_and_said(tmp_path):
    key = g.stripe_key(seed=13)
    repo = g.make_repo(tmp_path / "repo", {"README.md": "# app\n"})
    big = "".join(f"const line{i} = {i};\n" for i in range(2000)) + f"const k = '{key}';\n"
    commit(repo, {"src/big.ts": big})
    commit(repo, {}, remove=("src/big.ts",))
    report, result = history_scan(repo, max_file_bytes=10_000)
    assert result.passed
    assert "history-large-changes" in [w.code for w in report.warnings]


def test_output_past_the_size_limit_stops_reading_and_is_not_a_pass(tmp_path):
    repo = g.make_repo(tmp_path / "repo", {"README.md": "# app\n"})
    for i in range(3):
        commit(repo, {f"src/m{i}.ts": "".join(f"export const v{j} = {j};\n" for j in range(300))})
        commit(repo, {}, remove=(f"src/m{i}.ts",))
    report, result = history_scan(repo, max_output_bytes=5_000)
    assert result.status is Status.NOT_APPLICABLE
    assert result.summary.startswith("Not fully checked")
    assert "history-truncated" in [w.code for w in report.warnings]


def test_the_time_limit_stops_reading(leaked):
    repo, _, _ = leaked
    report, result = history_scan(repo, max_seconds=0)
    assert result.status is Status.NOT_APPLICABLE
    assert "time limit" in result.summary
    assert report.errors == []


def test_git_missing_is_a_warning_not_a_crash(leaked, monkeypatch, tmp_path):
    repo, _, _ = leaked
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries-here"))
    report, result = history_scan(repo)
    assert result.status is Status.NOT_APPLICABLE
    assert "git is not installed" in result.summary
    assert report.errors == []


def test_the_repositorys_own_configuration_runs_nothing(leaked, tmp_path):
    """A repository's .git/config and .gitattributes can name programs for diffs, text
    conversion, the pager and hooks; the history pass must run none of them."""
    repo, _, added = leaked
    (repo / ".gitattributes").write_text("* diff=evil\n")
    commit(repo, {}, message="attributes")  # before the config: the test's own git obeys it
    marker = tmp_path / "ran"
    evil = f"sh -c 'touch {marker}'"
    with (repo / ".git" / "config").open("a") as config:
        config.write(
            f'[diff]\n\texternal = {evil}\n\tnoprefix = true\n[diff "evil"]\n\ttextconv = {evil}\n'
            f"[core]\n\tpager = {evil}\n\tfsmonitor = {evil}\n\tquotePath = true\n"
        )
    _, result = history_scan(repo)
    assert not marker.exists()
    assert result.status is Status.FAILED
    assert added[:8] in result.findings[0].message


def test_paths_with_spaces_and_accents_keep_their_names(tmp_path):
    key = g.slack_token(seed=2)
    repo = g.make_repo(tmp_path / "repo", {"README.md": "# app\n"})
    commit(repo, {"docs/mes notes é.md": f"SLACK_TOKEN={key}\n"})
    commit(repo, {}, remove=("docs/mes notes é.md",))
    _, result = history_scan(repo)
    assert [f.path for f in result.findings] == ["docs/mes notes é.md"]


def test_the_pass_reports_its_reading(leaked):
    repo, _, _ = leaked
    history = scan_history(repo)
    assert history.status == "read"
    assert history.commits == 3
    assert history.shallow is False
    assert history.truncated == ""
    assert history.file_versions >= 1
