"""The registry's contract (ids, categories, checklist keys, a test per rule), the report's
JSON shape and checklist verdicts, and the engine's independence from Django."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from apps.scans.engine import CHECKLIST_KEYS, RuleKind, Status, all_rules, get_rule
from apps.scans.engine.registry import rule

from . import gitrepo as g

ENGINE_DIR = Path(__file__).resolve().parents[3] / "apps" / "scans" / "engine"
TESTS_DIR = Path(__file__).resolve().parent


def test_at_least_forty_rules_with_unique_ids():
    rules = all_rules()
    assert len(rules) >= 40
    assert len({r.id for r in rules}) == len(rules)


def test_every_rule_is_described():
    for r in all_rules():
        assert r.title, r.id
        assert r.description, r.id
        assert r.severity in {"critical", "high", "medium", "low", "info"}
        if r.kind is RuleKind.CHECK:
            # An advisory check shows findings without opening or closing an item.
            assert bool(r.checklist_keys) != r.advisory, r.id
            assert set(r.checklist_keys) <= CHECKLIST_KEYS
        else:
            assert r.checklist_keys == ()


def test_every_rule_has_a_test_of_its_own():
    test_sources = "\n".join(p.read_text() for p in TESTS_DIR.glob("test_*.py"))
    untested = [r.id for r in all_rules() if f'"{r.id}"' not in test_sources]
    assert untested == []


def test_detectors_cover_the_platforms_and_stacks():
    detectors = Counter(r.category for r in all_rules() if r.kind is RuleKind.DETECTOR)
    assert detectors == {"platform": 5, "stack": 22}


def test_registration_refuses_bad_metadata():
    with pytest.raises(ValueError, match="unknown checklist keys"):
        rule(
            id="testing.x",
            title="x",
            category="testing",
            severity="low",
            checklist_keys=("made.up",),
        )
    with pytest.raises(ValueError, match="must look like"):
        rule(
            id="NoDots",
            title="x",
            category="testing",
            severity="low",
            checklist_keys=("testing.unit-tests",),
        )
    with pytest.raises(ValueError, match="unknown category"):
        rule(
            id="misc.x",
            title="x",
            category="misc",
            severity="low",
            checklist_keys=("testing.unit-tests",),
        )
    with pytest.raises(ValueError, match="registered twice"):
        rule(
            id="ci.pipeline",
            title="x",
            category="ci",
            severity="low",
            checklist_keys=("deployment.ci-pipeline",),
        )(lambda ctx: None)


def test_get_rule():
    assert get_rule("secrets.stripe-key").category == "secrets"


def test_report_is_json_with_checklist_verdicts(scan_repo):
    report = scan_repo(
        {
            "README.md": "# Booking\n\n"
            + "Run it with npm run dev, configure .env, deploy on Fly. " * 5,
            "package.json": json.dumps(
                {"scripts": {"test": "vitest run"}, "dependencies": {"react": "^18"}}
            ),
            "src/a.test.ts": "test('x', () => {})",
            ".github/workflows/ci.yml": (
                "on: [push]\njobs:\n  t:\n    steps:\n      - run: npm test\n"
            ),
            ".env": f"STRIPE_SECRET_KEY={g.stripe_key()}\n",
        }
    )
    data = json.loads(json.dumps(report.to_dict()))
    assert set(data) >= {
        "platform",
        "stack",
        "results",
        "detections",
        "checklist",
        "stats",
        "timings",
        "errors",
        "warnings",
    }
    assert data["timings"]["total_seconds"] > 0
    assert data["stats"]["files_seen"] == 5
    checklist = data["checklist"]
    assert checklist["testing.unit-tests"]["status"] == "verified"
    assert checklist["testing.ci-runs-tests"]["status"] == "verified"
    assert checklist["security.no-committed-env-files"]["status"] == "gap"
    assert checklist["security.no-committed-secrets"]["status"] == "gap"
    assert "secrets.stripe-key" in checklist["security.no-committed-secrets"]["failed"]
    assert checklist["security.database-row-level-security"]["status"] == "unknown"
    finding = next(r for r in data["results"] if r["rule_id"] == "secrets.stripe-key")["findings"][
        0
    ]
    assert set(finding) == {
        "key",
        "message",
        "path",
        "line",
        "severity",
        "snippet",
        "fingerprint",
        "reason",
    }
    assert finding["severity"] == "critical"
    assert data["summary"]["findings_by_severity"]["critical"] >= 1


def test_finding_key_ignores_line_moves(scan_repo):
    key = g.stripe_key()
    first = scan_repo({"a.py": f'K = "{key}"\n'}).result("secrets.stripe-key").findings[0]
    second = scan_repo({"a.py": f'\n\n\nK = "{key}"\n'}).result("secrets.stripe-key").findings[0]
    assert first.line != second.line
    assert first.key("secrets.stripe-key") == second.key("secrets.stripe-key")


def test_findings_are_capped_per_rule(tmp_path):
    from apps.scans.engine import ScanLimits, scan_directory

    lines = "".join(f'K{i} = "{g.stripe_key(seed=i)}"\n' for i in range(12))
    repo = g.make_repo(tmp_path / "r", {"a.py": lines})
    report = scan_directory(
        repo, rules=["secrets.stripe-key"], limits=ScanLimits(max_findings_per_rule=5)
    )
    result = report.result("secrets.stripe-key")
    assert len(result.findings) == 5
    assert result.findings_omitted == 7


def test_checks_and_detectors_are_reported_apart(scan_repo):
    report = scan_repo({"README.md": "# x"})
    assert {r.kind for r in report.results} == {RuleKind.CHECK}
    assert {r.kind for r in report.detections} == {RuleKind.DETECTOR}
    assert len(report.results) + len(report.detections) == len(all_rules())
    assert all(r.status in set(Status) for r in report.results)


def test_no_engine_module_imports_django():
    pattern = re.compile(r"^\s*(?:import|from)\s+django\b", re.MULTILINE)
    offenders = [p.name for p in ENGINE_DIR.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_engine_imports_and_scans_with_django_absent(tmp_path):
    """A fresh interpreter imports every engine module and scans: Django never gets loaded."""
    repo = g.make_repo(tmp_path / "r", {"README.md": "# x", "package.json": "{}"})
    code = (
        "import importlib, pkgutil, sys\n"
        "import apps.scans.engine as engine\n"
        "import apps.scans.engine.rules as rules\n"
        "for pkg in (engine, rules):\n"
        "    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        f"engine.scan_directory({str(repo)!r})\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(loaded)\n"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_dependency_evidence_never_shows_urls_that_may_carry_credentials(scan_repo):
    token = g.github_token(seed=3)
    spec = f"git+https://ci:{token}@github.com/acme/sentry-fork.git"
    pkg = json.dumps({"dependencies": {"@sentry/react": spec}})
    report = scan_repo({"package.json": pkg, "src/a.ts": "export {}"})
    evidence = report.result("production.error-tracking").evidence
    assert evidence[0].detail == "@sentry/react in package.json"
    assert token not in json.dumps(report.to_dict())


def test_checklist_keys_exist_in_the_product_catalog():
    """The engine's keys must name real catalog items (apps/checklists/catalog/*.yaml)."""
    catalog = ENGINE_DIR.parents[1] / "checklists" / "catalog"
    keys: set[str] = set()

    def collect(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("key"), str):
                keys.add(node["key"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path in catalog.glob("*.yaml"):
        collect(yaml.safe_load(path.read_text()))
    assert keys, f"no catalog items found under {catalog}"
    assert sorted(CHECKLIST_KEYS - keys) == []
