"""Bad input never crashes the engine: empty repositories, binary files, links out of the
tree, oversized files and trees, broken manifests, odd file names and crashing rules."""

from __future__ import annotations

import json
import os

import pytest

from apps.scans.engine import RepositoryTooLarge, ScanLimits, Status, scan_directory
from apps.scans.engine.model import RuleKind, Severity
from apps.scans.engine.registry import _RULES, Outcome, Rule

from . import gitrepo as g
from .gitrepo import make_repo


def test_empty_repository_gives_a_valid_report(tmp_path):
    report = scan_directory(make_repo(tmp_path / "empty"))
    assert report.errors == []
    assert report.stats.files_seen == 0
    assert report.platform is None
    assert report.stack == []
    statuses = {r.rule_id: r.status for r in report.results}
    assert statuses["testing.tests-present"] is Status.FAILED
    assert statuses["documentation.readme"] is Status.FAILED
    assert statuses["secrets.stripe-key"] is Status.NOT_APPLICABLE
    assert statuses["production.error-tracking"] is Status.NOT_APPLICABLE
    assert json.loads(json.dumps(report.to_dict()))["stats"]["files_seen"] == 0


def test_binary_files_are_not_content_scanned(scan_repo):
    secret = g.stripe_key()
    binary = b"\x89PNG\r\n\x1a\n\x00\x00" + f"STRIPE={secret}".encode()
    disguised = b"\x00\x01" + f"STRIPE={secret}".encode()  # a .txt holding binary data
    report = scan_repo({"logo.png": binary, "notes.txt": disguised, "a.py": "x = 1\n"})
    assert report.stats.skipped_binary == 2
    assert report.stats.files_scanned == 1
    assert report.result("secrets.stripe-key").passed


def test_symlink_out_of_the_tree_is_recorded_and_never_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secrets.env").write_text(f"STRIPE={g.stripe_key()}\n")
    repo = make_repo(
        tmp_path / "repo",
        {"README.md": "# x"},
        symlinks={
            "leak.env": str(outside / "secrets.env"),
            "vendor-dir": str(outside),
            "up": "../outside",
        },
    )
    report = scan_directory(repo)
    assert report.stats.skipped_symlinks == 3
    assert report.stats.symlinks_outside == 3
    assert {w.path for w in report.warnings if w.code == "symlink-outside-tree"} == {
        "leak.env",
        "vendor-dir",
        "up",
    }
    assert report.result("secrets.stripe-key").passed
    assert report.result("secrets.env-file-committed").passed
    assert report.errors == []


def test_symlink_inside_the_tree_is_skipped_but_not_a_warning(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.txt": "x"}, symlinks={"b.txt": "a.txt", "loop": "loop"})
    report = scan_directory(repo)
    assert report.stats.skipped_symlinks == 2
    assert report.stats.symlinks_outside == 0


def test_dependency_and_build_folders_are_skipped(scan_repo):
    secret = f"STRIPE={g.stripe_key()}\n"
    report = scan_repo(
        {"node_modules/pkg/index.js": secret, "dist/bundle.js": secret, "src/a.ts": "x"}
    )
    assert report.stats.skipped_dirs >= 2
    assert report.stats.files_seen == 1
    assert report.result("secrets.stripe-key").passed


def test_too_many_files_raises_a_readable_error(tmp_path):
    repo = make_repo(tmp_path / "repo", {f"f{i}.txt": "x" for i in range(6)})
    with pytest.raises(RepositoryTooLarge) as raised:
        scan_directory(repo, limits=ScanLimits(max_files=5))
    assert raised.value.limit == "max_files"
    assert "more than 5 files" in raised.value.message


def test_too_many_bytes_raises(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.txt": "x" * 600, "b.txt": "y" * 600})
    with pytest.raises(RepositoryTooLarge, match="MB"):
        scan_directory(repo, limits=ScanLimits(max_total_bytes=1000))


def test_oversized_file_is_listed_but_not_read(tmp_path):
    big = f"STRIPE={g.stripe_key()}\n" + "x" * 2000
    repo = make_repo(tmp_path / "repo", {"big.env": big, "Dockerfile": "FROM node:20\n"})
    report = scan_directory(repo, limits=ScanLimits(max_file_bytes=1000))
    assert report.stats.skipped_large == 1
    assert any(w.code == "file-too-large" and w.path == "big.env" for w in report.warnings)
    assert report.result("secrets.stripe-key").passed
    assert report.result("secrets.env-file-committed").failed  # listed, so still seen
    assert report.result("deployment.dockerfile").passed


def test_deep_nesting_is_cut_off(tmp_path):
    deep = "/".join(f"d{i}" for i in range(12)) + "/x.ts"
    repo = make_repo(tmp_path / "repo", {deep: "x", "a.ts": "y"})
    report = scan_directory(repo, limits=ScanLimits(max_depth=5))
    assert any(w.code == "too-deep" for w in report.warnings)
    assert report.stats.files_seen == 1


def test_invalid_utf8_and_broken_manifests_do_not_crash(scan_repo):
    report = scan_repo(
        {
            "latin1.py": "caf\xe9 = 'x'\n".encode("latin-1"),
            "package.json": "{ not json",
            "pyproject.toml": "[project\nname=",
            "Dockerfile": "\\\n\\\n",
            "supabase/migrations/1.sql": "create table ((( ;;;",
            "firestore.rules": "allow",
        }
    )
    assert report.errors == []
    problems = {w.path for w in report.warnings if w.code == "bad-manifest"}
    assert problems == {"package.json", "pyproject.toml"}


def test_odd_file_names_are_reported_as_json(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / os.fsdecode(b"bad\xffname.env")).write_text("A=1\n")
    (repo / "with space & ünïcode.txt").write_text("x")
    report = scan_directory(repo)
    dumped = json.dumps(report.to_dict())
    assert "bad\\ufffdname.env" in dumped


def test_fifo_is_skipped_without_blocking(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.txt": "x"})
    os.mkfifo(repo / "pipe")
    report = scan_directory(repo)
    assert report.stats.skipped_special == 1


def test_missing_directory_is_an_error_not_an_exception(tmp_path):
    report = scan_directory(tmp_path / "nope")
    assert [e.code for e in report.errors] == ["not-a-directory"]
    assert report.results == []


def test_a_crashing_rule_is_recorded_and_the_rest_still_run(tmp_path, monkeypatch):
    def explode(ctx) -> Outcome:
        raise RuntimeError("boom")

    broken = Rule(
        id="testing.explodes",
        title="Explodes",
        category="testing",
        severity=Severity.LOW,
        checklist_keys=("testing.unit-tests",),
        kind=RuleKind.CHECK,
        func=explode,
    )
    monkeypatch.setitem(_RULES, broken.id, broken)
    report = scan_directory(
        make_repo(tmp_path / "repo", {"README.md": "# x"}),
        rules=[broken.id, "documentation.readme"],
    )
    assert report.result("testing.explodes").status is Status.NOT_APPLICABLE
    assert report.result("testing.explodes").error == "RuntimeError: boom"
    assert [e.code for e in report.errors] == ["rule-error"]
    assert report.result("documentation.readme").status is Status.FAILED


def test_unknown_rule_id_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="Unknown rule ids"):
        scan_directory(tmp_path, rules=["nope.nothing"])


def test_a_tree_of_links_counts_towards_the_file_limit(tmp_path):
    repo = make_repo(
        tmp_path / "repo", {"a.txt": "x"}, symlinks={f"l{i}": "a.txt" for i in range(6)}
    )
    with pytest.raises(RepositoryTooLarge):
        scan_directory(repo, limits=ScanLimits(max_files=5))


def test_byte_order_mark_does_not_break_manifests(rule):
    pkg = '\ufeff{"dependencies": {"express": "^4"}}'.encode()
    assert rule("stack.express", {"package.json": pkg}).status is Status.PASSED
