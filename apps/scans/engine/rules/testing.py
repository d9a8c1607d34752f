"""Tests: are there any, and is there one command that runs them?"""

from __future__ import annotations

import re
from typing import Any

from ..context import ScanContext
from ..model import Evidence, Finding
from ..registry import Outcome, failed, passed, rule
from ..textutil import find_line
from .helpers import missing

_TEST_FILE = re.compile(
    r"\.(?:test|spec|e2e|e2e-spec|cy)\.[cm]?[jt]sx?$"  # Jest, Vitest, Playwright, Cypress
    r"|(?:^|/)__tests__/[^/]+(?:/[^/]+)*\.[cm]?[jt]sx?$"
    r"|(?:^|/)(?:tests?|spec|e2e)/(?:[^/]+/)*[^/]+\.[cm]?[jt]sx?$"
    r"|(?:^|/)test_[^/]+\.py$|_test\.py$"  # pytest discovery
    r"|_test\.go$|_spec\.rb$|(?:^|/)test/(?:[^/]+/)*[^/]+_test\.rb$"
    r"|Tests?\.(?:php|java|kt|cs|swift)$|(?:^|/)src/test/|_test\.dart$|(?:^|/)tests/[^/]+\.rs$"
)
_NOT_A_TEST = re.compile(
    r"(?:^|/)(?:fixtures?|__fixtures__|__mocks__|mocks|helpers?|support|utils)/|(?:^|/)setup[^/]*$"
    r"|\.d\.ts$|(?:^|/)(?:vitest|jest|playwright|cypress)\.config\.|(?:^|/)tsconfig"
)
_DJANGO_TESTS = re.compile(r"^\s*def test|^\s*async def test", re.MULTILINE)
_DEFAULT_NPM_TEST = re.compile(r"no test specified", re.IGNORECASE)
_TEST_RUNNER = re.compile(
    r"\b(?:vitest|jest|mocha|ava|tap|jasmine|karma|playwright\s+test|cypress\s+run|node\s+--test"
    r"|bun\s+test|deno\s+test|pytest|uvu|c8|nyc)\b"
)
_PYTEST_CONFIG = re.compile(r"^\[(?:tool\.pytest\.ini_options|tool:pytest|pytest)\]", re.MULTILINE)
_MAKE_TEST = re.compile(r"^test[\w-]*\s*:", re.MULTILINE)


def find_test_files(ctx: ScanContext) -> list[str]:
    found = [
        path
        for path in ctx.snapshot.files
        if _TEST_FILE.search(path) and not _NOT_A_TEST.search(path)
    ]
    # Django's startapp writes a tests.py with no test in it; count it only when it has one.
    for entry in ctx.snapshot.named("tests.py")[:50]:
        if _DJANGO_TESTS.search(ctx.read(entry.path) or ""):
            found.append(entry.path)
    return found


@rule(
    id="testing.tests-present",
    title="Automated tests exist",
    category="testing",
    severity="high",
    checklist_keys=("testing.unit-tests",),
)
def tests_present(ctx: ScanContext) -> Outcome:
    """Test files by the conventions of the usual runners: `*.test.ts`, `*.spec.tsx`,
    `__tests__/`, `tests/test_*.py`, `*_test.go`, Django `tests.py` with a test in it."""
    found = find_test_files(ctx)
    if not found:
        return failed(
            "No automated tests found.",
            [
                missing(
                    "No test files (*.test.ts, *.spec.js, tests/test_*.py...) in the repository."
                )
            ],
        )
    evidence = [Evidence("test file", path) for path in found[:5]]
    return passed(f"{len(found)} test file(s) found.", evidence)


@rule(
    id="testing.test-script",
    title="One command runs the tests",
    category="testing",
    severity="medium",
    checklist_keys=("testing.test-command",),
)
def one_test_command(ctx: ScanContext) -> Outcome:
    """A `test` script in package.json (not npm's "no test specified" stub), pytest or tox
    configuration, Django's `manage.py test`, a Makefile `test` target, or a language whose
    toolchain has one built in (go test, cargo test)."""
    snap = ctx.snapshot
    evidence: list[Evidence] = []
    findings: list[Finding] = []
    for pkg in ctx.manifests.package_jsons:
        scripts = pkg.scripts
        text = ctx.read(pkg.path) or ""
        runner = next(
            (
                name
                for name, command in scripts.items()
                if (name == "test" or name.startswith("test:"))
                and not _DEFAULT_NPM_TEST.search(command)
            ),
            None,
        ) or next((n for n, c in scripts.items() if _TEST_RUNNER.search(c)), None)
        line = find_line(text, r'"scripts"\s*:')
        if runner:
            at = find_line(text, re.escape(f'"{runner}"')) or line
            evidence.append(Evidence(f"npm script {runner!r}", pkg.path, at))
        elif "test" in scripts:
            findings.append(
                Finding(
                    "The test script is npm's placeholder that exits with an error.",
                    pkg.path,
                    find_line(text, r'"test"\s*:') or line,
                )
            )
        elif _is_app_package(pkg.path, pkg.data):
            findings.append(Finding("package.json has no test script.", pkg.path, line))
    for name in ("pytest.ini", "tox.ini", "noxfile.py", "conftest.py"):
        entry = snap.root_file(name) or next(iter(snap.named(name)), None)
        if entry:
            evidence.append(Evidence(f"{name} (pytest/tox)", entry.path))
            break
    for name in ("pyproject.toml", "setup.cfg"):
        for entry in snap.named(name)[:5]:
            line = find_line(ctx.read(entry.path) or "", _PYTEST_CONFIG)
            if line:
                evidence.append(Evidence("pytest configuration", entry.path, line))
    manage = snap.root_file("manage.py")
    if manage:
        evidence.append(Evidence("Django's manage.py test", manage.path))
    for name in ("Makefile", "makefile", "justfile", "Taskfile.yml"):
        entry = snap.root_file(name)
        if entry:
            line = find_line(ctx.read(entry.path) or "", _MAKE_TEST)
            if line:
                evidence.append(Evidence(f"{name} test target", entry.path, line))
    for name, command in (("go.mod", "go test"), ("Cargo.toml", "cargo test")):
        entry = snap.root_file(name)
        if entry:
            evidence.append(Evidence(command, entry.path))
    if evidence:
        return passed("Tests can be run with one command.", evidence)
    if not findings:
        findings.append(missing("No test command: no test script, pytest config or test target."))
    return failed("No command runs the tests.", findings)


def _is_app_package(path: str, data: dict[str, Any]) -> bool:
    """Workspace members and tooling packages need no test script of their own."""
    return path == "package.json" or bool(data.get("dependencies") or data.get("devDependencies"))
