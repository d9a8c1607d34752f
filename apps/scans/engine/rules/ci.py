"""Continuous integration: is there a pipeline, and does it run the tests?"""

from __future__ import annotations

import re

from ..context import ScanContext
from ..model import Evidence, Finding
from ..registry import Outcome, failed, passed, rule
from ..snapshot import FileEntry
from .helpers import missing

_CI_FILE = re.compile(
    r"^\.github/workflows/[^/]+\.ya?ml$|^\.gitlab-ci\.ya?ml$|^\.circleci/config\.ya?ml$"
    r"|^bitbucket-pipelines\.ya?ml$|^azure-pipelines\.ya?ml$|^\.azure-pipelines/[^/]+\.ya?ml$"
    r"|^Jenkinsfile$|^\.travis\.ya?ml$|^\.drone\.ya?ml$|^\.buildkite/[^/]+\.ya?ml$"
    r"|^\.woodpecker(?:\.ya?ml|/[^/]+\.ya?ml)$|^appveyor\.ya?ml$|^codemagic\.ya?ml$"
    r"|^\.semaphore/semaphore\.ya?ml$|^\.gitea/workflows/[^/]+\.ya?ml$"
    r"|^\.forgejo/workflows/[^/]+\.ya?ml$|^cloudbuild\.ya?ml$"
)
_TEST_COMMAND = re.compile(
    r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:test|t)(?::[\w:-]+)?\b|\bnpm\s+(?:cit|install-test|it)\b"
    r"|\bnpx\s+(?:vitest|jest|mocha|playwright\s+test|cypress\s+run)\b"
    r"|(?<![\w-])(?:vitest|jest|mocha)(?:\s+run)?(?:\s|$)|\bplaywright\s+test\b|\bcypress\s+run\b"
    r"|\bpytest\b|\bpython3?\s+-m\s+(?:pytest|unittest)\b|\bmanage\.py\s+test\b|\btox\b|\bnox\b"
    r"|\bmake\s+(?:test|check)\b|\bgo\s+test\b|\bcargo\s+(?:test|nextest)\b|\bdeno\s+test\b"
    r"|\bbundle\s+exec\s+(?:rspec|rake\s+test)\b|\b(?:mvn|gradlew?|\./gradlew)\b.*\b(?:test|verify|check)\b"
    r"|\bphpunit\b|\bdotnet\s+test\b|\bflutter\s+test\b"
)
_NPM_SCRIPT_CALL = re.compile(
    r"\b(?:npm\s+run|pnpm(?:\s+run)?|yarn(?:\s+run)?|bun\s+run)\s+([\w:.-]+)"
)
_MAKE_CALL = re.compile(r"\bmake\s+([\w.-]+)")
_TEST_RUNNER = re.compile(
    r"\b(?:vitest|jest|mocha|ava|playwright\s+test|cypress\s+run|node\s+--test|pytest|tox)\b"
)


def ci_files(ctx: ScanContext) -> list[FileEntry]:
    return [e for p, e in ctx.snapshot.files.items() if _CI_FILE.search(p)]


@rule(
    id="ci.pipeline",
    title="A CI pipeline is configured",
    category="ci",
    severity="high",
    checklist_keys=("deployment.ci-pipeline",),
)
def pipeline(ctx: ScanContext) -> Outcome:
    """A configuration for a CI service: GitHub Actions workflows, GitLab CI, CircleCI,
    Bitbucket Pipelines, Azure Pipelines, Jenkins, Travis, Drone, Buildkite and others."""
    found = ci_files(ctx)
    if not found:
        return failed(
            "No CI configuration.",
            [missing("No CI configuration (.github/workflows/*.yml, .gitlab-ci.yml...).")],
        )
    return passed(
        f"{len(found)} CI file(s).", [Evidence("CI configuration", e.path) for e in found]
    )


@rule(
    id="ci.runs-tests",
    title="CI runs the tests",
    category="ci",
    severity="high",
    checklist_keys=("testing.ci-runs-tests",),
)
def runs_tests(ctx: ScanContext) -> Outcome:
    """A CI file runs a test command (npm test, vitest, pytest, manage.py test, go test...),
    directly or through a package.json script or Makefile target that does."""
    found = ci_files(ctx)
    if not found:
        return failed(
            "No CI configuration, so no test runs on each change.",
            [missing("Tests never run automatically: there is no CI configuration.")],
        )
    scripts = _test_scripts(ctx)
    make_targets = _make_test_targets(ctx)
    for entry in found:
        text = ctx.read(entry.path) or ""
        for number, line in enumerate(text.splitlines(), start=1):
            code = line.split("#", 1)[0] if entry.suffix in {".yml", ".yaml"} else line
            m = _TEST_COMMAND.search(code)
            if m:
                return passed(
                    "CI runs the tests.",
                    [Evidence(f"runs `{m.group().strip()}`", entry.path, number)],
                )
            for call in _NPM_SCRIPT_CALL.finditer(code):
                if call.group(1) in scripts:
                    detail = f"runs script `{call.group(1)}`, which runs tests"
                    return passed("CI runs the tests.", [Evidence(detail, entry.path, number)])
            for call in _MAKE_CALL.finditer(code):
                if call.group(1) in make_targets:
                    detail = f"runs `make {call.group(1)}`, which runs tests"
                    return passed("CI runs the tests.", [Evidence(detail, entry.path, number)])
    return failed(
        "CI is configured but runs no tests.",
        [Finding("This CI configuration runs no test command.", e.path) for e in found],
    )


def _test_scripts(ctx: ScanContext) -> set[str]:
    """package.json scripts that run a test runner, followed one level through `npm run x`."""
    names: set[str] = set()
    for pkg in ctx.manifests.package_jsons:
        scripts = pkg.scripts
        direct = {n for n, c in scripts.items() if _TEST_RUNNER.search(c)}
        indirect = {
            n
            for n, c in scripts.items()
            if any(call.group(1) in direct for call in _NPM_SCRIPT_CALL.finditer(c))
        }
        names |= direct | indirect
    return names


def _make_test_targets(ctx: ScanContext) -> set[str]:
    entry = ctx.snapshot.root_file("Makefile", "makefile", "GNUmakefile")
    if entry is None:
        return set()
    targets: set[str] = set()
    current: str | None = None
    for line in (ctx.read(entry.path) or "").splitlines():
        m = re.match(r"^([\w.-]+)\s*:(?!=)", line)
        if m:
            current = m.group(1)
        elif current and line.startswith("\t") and _TEST_COMMAND.search(line):
            targets.add(current)
    return targets
