"""The scan-accuracy benchmark's own parts: the corpus generator builds the same repositories
for the same seed with labels that point at real places, and the scoring counts found,
missed and false alarms as the benchmark's table says."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus_mod = _load("scan_corpus")
bench = _load("bench_scan_accuracy")
Label = corpus_mod.Label
Found = bench.Found


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    return corpus_mod.build_corpus(tmp_path_factory.mktemp("corpus"), seed=7, per_builder=1)


def test_the_same_seed_builds_the_same_repositories(small_corpus, tmp_path):
    again = corpus_mod.build_corpus(tmp_path / "again", seed=7, per_builder=1)
    assert [r.name for r in again.repos] == [r.name for r in small_corpus.repos]
    assert again.labels == small_corpus.labels
    for first, second in zip(small_corpus.repos, again.repos, strict=True):
        assert _tree(first.path) == _tree(second.path)
        # Fixed dates and identity: the commits themselves are the same.
        assert _git(first.path, "rev-parse", "HEAD") == _git(second.path, "rev-parse", "HEAD")
    other = corpus_mod.build_corpus(tmp_path / "other", seed=8, per_builder=1)
    assert other.labels != small_corpus.labels


def test_every_repository_is_a_git_repository_on_main_in_its_builders_shape(small_corpus):
    markers = {
        "lovable": "src/integrations/supabase/client.ts",
        "v0": "components/ui/button.tsx",
        "replit": ".replit",
        "bolt": ".bolt/config.json",
    }
    for repo in small_corpus.repos:
        assert _git(repo.path, "branch", "--show-current").strip() == "main"
        assert int(_git(repo.path, "rev-list", "--count", "HEAD")) == repo.commits >= 2
        files = _tree(repo.path)
        if repo.builder in markers:
            assert markers[repo.builder] in files
        else:
            assert ".cursorrules" in files or ".cursor/rules/general.mdc" in files


def test_labels_point_at_real_places(small_corpus):
    seen = set()
    for repo in small_corpus.repos:
        files = _tree(repo.path)
        history = set(_git(repo.path, "log", "--format=", "--name-only").split())
        stack = [label.kind for label in repo.labels if label.family == "stack"]
        assert sorted(stack) == sorted(corpus_mod.STACK_TECHS)
        for label in repo.labels:
            assert label.family in corpus_mod.FAMILIES
            assert label.repo == repo.name
            key = (label.repo, label.family, label.kind, label.path, label.line)
            assert key not in seen, key
            seen.add(key)
            if label.path is None:
                assert label.line is None
                continue
            if label.family == "secrets-history":
                assert label.path in history
                continue
            assert label.path in files, label
            if label.line is not None:
                assert 1 <= label.line <= files[label.path].decode().count("\n") + 1
    planted = {label.family for label in small_corpus.labels if label.planted}
    clean = {label.family for label in small_corpus.labels if not label.planted}
    assert planted == clean == set(corpus_mod.FAMILIES)


def test_a_secret_removed_later_is_gone_from_the_tree_but_in_history(small_corpus):
    removed = [
        (repo, label)
        for repo in small_corpus.repos
        for label in repo.labels
        if label.family == "secrets-history" and label.planted
    ]
    assert removed
    for repo, label in removed:
        added = _git(repo.path, "log", "-p", "--format=%H", "--", label.path)
        now = (repo.path / label.path).read_text()
        added_lines = [x[1:] for x in added.splitlines() if x.startswith("+") and "client" in x]
        assert any(line not in now for line in added_lines)


def test_scoring_counts_found_missed_false_alarms_and_unlabelled():
    labels = [
        Label("r", "secrets", "key", "a.ts", 10, planted=True),
        Label("r", "secrets", "placeholder", "a.ts", 12, planted=False),
        Label("r", "secrets", "key", "b.ts", 5, planted=True),
        Label("r", "ci", "no-ci", None, None, planted=True),
        Label("r", "production-signals", "error-tracker-initialised", None, None, planted=False),
        Label(
            "r",
            "supabase/api-exposure",
            "permissive-policy-reference-data",
            "m.sql",
            3,
            planted=False,
        ),
        Label("r", "stack", "typescript", None, None, planted=True),
        Label("r", "stack", "tailwind", None, None, planted=True),
        Label("r", "stack", "prisma", None, None, planted=False),
    ]
    findings = [
        # On the key's own line: found, and not also a false alarm on the placeholder 2 lines on.
        Found("r", "secrets", "secrets.openai-key", "a.ts", 11),
        Found("r", "secrets", "secrets.generic-secret", "a.ts", 30),  # near no label
        Found("r", "secrets", "secrets.openai-key", "b.ts", 9),  # 4 lines off: not b.ts:5
        Found("other", "ci", "ci.pipeline", None, None),  # another repository
        Found("r", "ci", "ci.pipeline", None, None),
        Found("r", "production-signals", "production.rate-limiting", None, None),  # not its rule
        Found("r", "supabase/api-exposure", "ai.supabase-permissive-policy", "m.sql", 3, "info"),
    ]
    tallies = bench.score(labels, findings, {"r": {"typescript", "prisma"}})

    secrets = tallies["secrets"]
    assert (secrets.planted, secrets.found, secrets.missed) == (2, 1, 1)
    assert (secrets.lookalikes, secrets.false_alarms, secrets.unlabelled) == (1, 0, 2)
    assert secrets.precision == 1.0
    assert secrets.recall == 0.5
    assert dict(secrets.missed_kinds) == {"key": 1}

    assert (tallies["ci"].found, tallies["ci"].recall) == (1, 1.0)
    assert tallies["ci"].unlabelled == 1  # the other repository's finding

    production = tallies["production-signals"]
    assert (production.false_alarms, production.precision, production.unlabelled) == (0, None, 1)
    # Public reference data reported at info is not a false alarm; at medium it is.
    assert tallies["supabase/api-exposure"].false_alarms == 0
    louder = [*findings[:-1], Found("r", "supabase/api-exposure", "x", "m.sql", 4, "medium")]
    louder_tallies = bench.score(labels, louder, {"r": set()})
    assert louder_tallies["supabase/api-exposure"].false_alarms == 1
    assert louder_tallies["supabase/api-exposure"].precision == 0.0

    stack = tallies["stack"]
    assert (stack.planted, stack.found, stack.lookalikes, stack.false_alarms) == (2, 1, 1, 1)
    assert stack.precision == 0.5
    assert stack.recall == 0.5


def test_rule_ids_map_to_families_by_longest_prefix():
    assert bench.family_of("secrets.openai-key") == "secrets"
    assert bench.family_of("secrets.in-history") == "secrets-history"
    assert bench.family_of("ai.supabase-permissive-policy") == "supabase/api-exposure"
    assert bench.family_of("documentation.readme") is None
