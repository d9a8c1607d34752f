"""Continuous integration: is there a pipeline, does it start on the default branch, does it
run the tests, and does it do anything dangerous (untrusted pull request code with secrets,
actions that can change under it, secrets printed to the log)?"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import ci_config
from ..ci_config import Branches, Job, Step, Workflow
from ..context import ScanContext
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..repo_meta import default_branch
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
# Test runners called by name (directly, through npx, uv run, poetry run...).
_RUNNER = re.compile(
    r"(?<![\w.-])(?:vitest|jest|mocha|ava|jasmine|karma|uvu)(?![\w-]|\.\w)"
    r"|\bplaywright\s+test\b|\bcypress\s+run\b|\bnode\s+--test\b|\b(?:bun|deno)\s+test\b"
    r"|\bpytest\b|\bpython3?\s+-m\s+(?:pytest|unittest)\b|\bmanage\.py\s+test\b"
    r"|(?<![\w-])(?:tox|nox)(?![\w-])|\bgo\s+test\b|\bcargo\s+(?:test|nextest)\b"
    r"|\b(?:bundle\s+exec\s+)?(?:rspec|rake\s+test)\b"
    r"|(?:\b|\./)(?:mvnw?|gradlew?)\b.*\b(?:test|verify|check)\b"
    r"|\bphpunit\b|\bdotnet\s+test\b|\bflutter\s+test\b|\bswift\s+test\b|\bmix\s+test\b"
)
_PLACEHOLDER = re.compile(r"no test specified", re.IGNORECASE)
# `npm test`, `npm run test:ci`, `yarn test`, `pnpm run unit`, `bun run test`, `npm cit`.
_SCRIPT_CALL = re.compile(
    r"\b(?:npm\s+(?:(?:run|run-script)\s+(?P<npm>[\w:.-]+)|(?P<npmtest>test|t|tst|cit|it|install-test)\b)"
    r"|(?:yarn|pnpm)(?:\s+--?[\w-]+(?:[= ]\S+)?)*\s+(?:run\s+)?(?P<yarn>[\w:.-]+)"
    r"|bun\s+run\s+(?P<bun>[\w:.-]+))"
)
_YARN_BUILTINS = frozenset(
    {"install", "add", "remove", "ci", "i", "exec", "dlx", "x", "why", "audit", "config", "set",
     "workspace", "workspaces", "link", "up", "upgrade", "outdated", "cache", "init", "create",
     "import", "info", "list", "pack", "publish", "store", "fetch", "rebuild", "prune", "-r",
     "--recursive", "--filter", "node", "version", "dedupe", "patch", "env", "setup"}
)  # fmt: skip
_WORKSPACE_TESTS = re.compile(
    r"\bturbo\s+(?:run\s+)?test\b"
    r"|\bnx\s+(?:test\b|(?:run-many|affected)\b.*\b(?:-t|--target)[= ]test\b)"
    r"|\blerna\s+run\s+test\b|\bnpm\s+(?:run\s+)?test\b.*\s(?:--workspaces|-ws)\b"
    r"|\bpnpm\s+(?:-r|--recursive|--filter\s+\S+)\s+(?:run\s+)?test\b"
    r"|\byarn\s+workspaces\s+(?:foreach\s+(?:-\w+\s+)*)?run\s+test\b"
)
_MAKE_CALL = re.compile(r"\bmake\s+(?:-C\s+(?P<dir>\S+)\s+)?(?P<target>[\w.-]+)")
_SCRIPT_FILE = re.compile(r"(?:^|\s)(?:(?:ba|z)?sh\s+)?(?P<path>\.?/?[\w./-]+\.sh)\b")
_CD = re.compile(r"^\s*cd\s+(?P<dir>[\w./-]+)\s*$")
_TESTISH_ACTION = re.compile(r"test|cypress|playwright|jest|vitest|pytest|tox", re.IGNORECASE)


def ci_files(ctx: ScanContext) -> list[FileEntry]:
    return [e for p, e in ctx.snapshot.files.items() if _CI_FILE.search(p)]


# --- parsing, once per scan --------------------------------------------------------------------


@dataclass(slots=True)
class _Ci:
    branches: Branches
    workflows: list[Workflow]  # every parsed CI and deploy-build configuration
    unparsed: list[FileEntry]  # CI files of services whose triggers are not read (Jenkins...)


def _ci(ctx: ScanContext) -> _Ci:
    cached = ctx.shared.get("ci.config")
    if isinstance(cached, _Ci):
        return cached
    branches = Branches.of(default_branch(ctx.snapshot.root))
    workflows: list[Workflow] = []
    unparsed: list[FileEntry] = []
    parsers = (
        (ci_config.GITHUB_WORKFLOW, ci_config.parse_github),
        (ci_config.GITLAB_CI, ci_config.parse_gitlab),
        (ci_config.CIRCLECI, ci_config.parse_circleci),
        (ci_config.BITBUCKET, ci_config.parse_bitbucket),
    )
    for entry in ci_files(ctx):
        parser = next((p for regex, p in parsers if regex.search(entry.path)), None)
        if parser is None:
            unparsed.append(entry)
            continue
        text = ctx.read(entry.path)
        if text is None:
            workflows.append(Workflow(entry.path, "unknown", entry.path, problem="not readable"))
            continue
        workflows.append(parser(entry.path, text, branches))
    netlify = ctx.snapshot.root_file("netlify.toml")
    if netlify:
        parsed = ci_config.parse_netlify(netlify.path, ctx.read(netlify.path) or "")
        if parsed:
            workflows.append(parsed)
    vercel = ctx.snapshot.root_file("vercel.json")
    if vercel:
        root_pkg = next((p for p in ctx.manifests.package_jsons if p.path == "package.json"), None)
        build = root_pkg.scripts.get("build") if root_pkg else None
        parsed = ci_config.parse_vercel(vercel.path, ctx.read(vercel.path) or "", build)
        if parsed:
            workflows.append(parsed)
    result = ctx.shared["ci.config"] = _Ci(branches, workflows, unparsed)
    return result


_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+=_-]{24,}")


def _snippet(ctx: ScanContext, path: str, line: int | None) -> str | None:
    """The line, short; anything long enough to be a credential written inline is cut to
    its first four characters, since a CI file's lines are shown as they are."""
    if not line:
        return None
    text = _TOKEN_LIKE.sub(
        lambda m: m.group()[:4] + "\N{HORIZONTAL ELLIPSIS}", ctx.line_text(path, line)
    )
    text = text.strip()
    return text[:117] + "..." if len(text) > 120 else text or None


# --- does a job run the tests? -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Verdict:
    kind: str  # "tests", "unknown" or "none"
    detail: str = ""
    line: int | None = None


_NONE = _Verdict("none")


class _TestFinder:
    """Follows a CI command to what it runs: package.json scripts (npm's placeholder is not a
    test), Makefile targets, shell scripts in the repository, local reusable workflows and
    composite actions. What lives outside the repository is "unknown", never "tests"."""

    def __init__(self, ctx: ScanContext) -> None:
        self.ctx = ctx
        self.notes: list[str] = []  # why a test command did not count, for the findings
        self._scripts = {pkg.dir: pkg.scripts for pkg in ctx.manifests.package_jsons}

    def job(self, job: Job, depth: int = 0) -> _Verdict:
        unknown: _Verdict | None = None
        if job.calls:
            called = self._called_workflow(job.calls, depth)
            if called.kind == "tests":
                return called
            if called.kind == "unknown":
                unknown = called
        for step in job.steps:
            verdict = self.step(step, depth)
            if verdict.kind == "tests":
                return verdict
            if verdict.kind == "unknown" and unknown is None:
                unknown = verdict
        return unknown or _NONE

    def step(self, step: Step, depth: int = 0) -> _Verdict:
        if step.unresolved:
            return _Verdict("unknown", "a script included with !reference", step.line)
        if step.run:
            verdict = self.script(step.run, step.directory, depth)
            if verdict.kind != "none":
                return _Verdict(verdict.kind, verdict.detail, step.line)
        if step.uses:
            if step.uses.startswith("./"):
                return self._local_action(step.uses, step.line, depth)
            if _TESTISH_ACTION.search(step.uses.split("@", 1)[0]):
                return _Verdict(
                    "unknown", f"action `{step.uses}` (not in this repository)", step.line
                )
        return _NONE

    def script(self, text: str, directory: str, depth: int) -> _Verdict:
        if depth > 4:
            return _NONE
        unknown: _Verdict | None = None
        for command, where in _commands(text, directory):
            verdict = self.command(command, where, depth)
            if verdict.kind == "tests":
                return verdict
            if verdict.kind == "unknown" and unknown is None:
                unknown = verdict
        return unknown or _NONE

    def command(self, command: str, directory: str, depth: int) -> _Verdict:
        # Monorepo drivers first: `npm test --workspaces` runs the members' scripts.
        if _WORKSPACE_TESTS.search(command):
            if self._any_real_test_script():
                return _Verdict("tests", f"`{command.strip()[:80]}` (the packages' test scripts)")
            self.notes.append(f"`{command.strip()[:80]}` runs test scripts that no package has")
            return _NONE
        call = _SCRIPT_CALL.search(command)
        if call:
            name = call.group("npm") or call.group("yarn") or call.group("bun")
            if call.group("npmtest"):
                name = "test"
            if name and name not in _YARN_BUILTINS:
                verdict = self._package_script(name, command, directory, depth)
                if verdict is not None:
                    return verdict
        runner = _RUNNER.search(command)
        if runner:
            return _Verdict("tests", f"`{command.strip()[:80]}`")
        make = _MAKE_CALL.search(command)
        if make:
            return self._make_target(make.group("target"), make.group("dir") or directory, depth)
        script = _SCRIPT_FILE.search(command)
        if script:
            return self._shell_script(script.group("path"), directory, depth)
        return _NONE

    def _package_script(
        self, name: str, command: str, directory: str, depth: int
    ) -> _Verdict | None:
        scripts = self._scripts.get(directory)
        if scripts is None:
            scripts = self._scripts.get("", {})
            directory = ""
        body = scripts.get(name)
        where = f"{directory}/package.json" if directory else "package.json"
        if body is None:
            if command.lstrip().startswith(("npm", "bun")):
                self.notes.append(f"`{command.strip()[:60]}`: {where} has no {name!r} script")
                return _NONE
            return None  # `yarn jest`: yarn runs the binary; the runner check sees it
        if _PLACEHOLDER.search(body):
            self.notes.append(
                f"`{command.strip()[:60]}` runs npm's placeholder in {where} "
                f"({body.strip()[:60]!r}), not tests"
            )
            return _NONE
        inner = self.script(body, directory, depth + 1)
        if inner.kind == "tests":
            return _Verdict(
                "tests", f"`{command.strip()[:60]}` ({where} script {name!r}: {body[:60]})"
            )
        if inner.kind == "unknown":
            return inner
        if name == "test" or name.startswith("test:"):
            self.notes.append(f"{where} script {name!r} ({body[:60]!r}) calls no test runner")
        return _NONE

    def _any_real_test_script(self) -> bool:
        return any(
            n == "test" and not _PLACEHOLDER.search(body) and _RUNNER.search(body)
            for scripts in self._scripts.values()
            for n, body in scripts.items()
        )

    def _make_target(self, target: str, directory: str, depth: int) -> _Verdict:
        path = f"{directory}/Makefile" if directory else "Makefile"
        text = self.ctx.read(path)
        if text is None:
            return _NONE
        recipe: list[str] = []
        current: str | None = None
        for line in text.splitlines():
            m = re.match(r"^([\w.-]+(?:\s+[\w.-]+)*)\s*:(?!=)(.*)$", line)
            if m:
                current = target if target in m.group(1).split() else None
                if current:
                    # Prerequisite targets run first: `test: unit` is a test target too.
                    for prerequisite in m.group(2).split()[:10]:
                        if prerequisite != target and depth < 4:
                            verdict = self._make_target(prerequisite, directory, depth + 1)
                            if verdict.kind == "tests":
                                return _Verdict("tests", f"`make {target}` ({verdict.detail})")
            elif current and line.startswith("\t"):
                recipe.append(line.strip().lstrip("@-"))
        verdict = self.script("\n".join(recipe), directory, depth + 1)
        if verdict.kind == "tests":
            return _Verdict("tests", f"`make {target}` ({path}: {verdict.detail})")
        return verdict if verdict.kind == "unknown" else _NONE

    def _shell_script(self, path: str, directory: str, depth: int) -> _Verdict:
        clean = path.removeprefix("./").lstrip("/")
        full = f"{directory}/{clean}" if directory and not path.startswith("/") else clean
        text = self.ctx.read(full) if self.ctx.snapshot.file(full) else None
        if text is None:
            return _NONE
        verdict = self.script(text, directory, depth + 1)
        if verdict.kind == "tests":
            return _Verdict("tests", f"`{path}` ({full}: {verdict.detail})")
        return verdict if verdict.kind == "unknown" else _NONE

    def _called_workflow(self, calls: str, depth: int) -> _Verdict:
        if not calls.startswith("./") or depth > 1:
            return _Verdict("unknown", f"`{calls}`, defined outside this repository")
        path = calls.removeprefix("./").split("@", 1)[0]
        text = self.ctx.read(path)
        if text is None:
            return _Verdict("unknown", f"reusable workflow `{calls}` (not found)")
        called = ci_config.parse_github(path, text, Branches(("main",), known=False))
        for job in called.jobs:
            verdict = self.job(job, depth + 1)
            if verdict.kind == "tests":
                return _Verdict("tests", f"reusable workflow {path}: {verdict.detail}")
        return _NONE

    def _local_action(self, uses: str, line: int | None, depth: int) -> _Verdict:
        base = uses.removeprefix("./").rstrip("/")
        for name in ("action.yml", "action.yaml"):
            text = self.ctx.read(f"{base}/{name}")
            if text is None:
                continue
            doc, _problem, _line = ci_config.load_yaml(text)
            runs = doc.get("runs") if doc else None
            steps = runs.get("steps") if isinstance(runs, dict) else None
            for step in steps if isinstance(steps, list) else []:
                command = step.get("run") if isinstance(step, dict) else None
                if isinstance(command, str) and depth < 3:
                    verdict = self.script(command, "", depth + 1)
                    if verdict.kind == "tests":
                        return _Verdict("tests", f"action {base}: {verdict.detail}", line)
            return _NONE
        return _NONE


def _commands(text: str, directory: str) -> list[tuple[str, str]]:
    """A shell script's simple commands, with the directory each runs in (`cd x && ...`)."""
    out: list[tuple[str, str]] = []
    joined = re.sub(r"\\\n", " ", text)
    for raw in joined.split("\n")[:500]:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"\s#.*$", "", line)
        for part in re.split(r"&&|\|\||;", line):
            cd = _CD.match(part)
            if cd:
                target = cd.group("dir").removeprefix("./").strip("/")
                directory = (
                    ""
                    if target in {"", "."}
                    else (f"{directory}/{target}" if directory else target)
                )
                continue
            if part.strip():
                out.append((part, directory))
    return out


def _job_verdicts(ctx: ScanContext) -> list[tuple[Workflow, Job, _Verdict]]:
    cached = ctx.shared.get("ci.verdicts")
    if isinstance(cached, list):
        return cached
    finder = _TestFinder(ctx)
    verdicts = [(wf, job, finder.job(job)) for wf in _ci(ctx).workflows for job in wf.jobs]
    ctx.shared["ci.verdicts"] = verdicts
    ctx.shared["ci.notes"] = finder.notes
    return verdicts


# --- rules -------------------------------------------------------------------------------------


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
    """A CI job that starts on the default branch (a push to it, a pull request into it, a
    schedule) runs a test command: a runner (vitest, pytest, go test...) or a package.json
    script, Makefile target or shell script that calls one. npm's "no test specified"
    placeholder is not a test; a reusable workflow or action from elsewhere cannot be read,
    so it makes the answer unknown rather than yes. Netlify and Vercel build commands count
    when they run the tests before building."""
    ci = _ci(ctx)
    verdicts = _job_verdicts(ctx)
    if not ci.workflows and not ci.unparsed:
        return failed(
            "No CI configuration, so no test runs on each change.",
            [missing("Tests never run automatically: there is no CI configuration.")],
        )
    branch = ci.branches.describe()
    evidence: list[Evidence] = []
    idle: list[Finding] = []
    unknown: list[str] = []
    for wf, job, verdict in verdicts:
        if verdict.kind == "tests" and job.fires_on_default:
            detail = f"job {job.name!r} runs {verdict.detail}; starts on {job.fires_on_default[0]}"
            detail += "" if job.on_pull_requests else " (not on pull requests)"
            evidence.append(Evidence(detail, wf.path, verdict.line or job.line))
        elif verdict.kind == "tests":
            idle.append(
                Finding(
                    f"{wf.name}: job {job.name!r} runs the tests but never starts on {branch}.",
                    wf.path,
                    job.triggers_line or job.line,
                    snippet=_snippet(ctx, wf.path, job.triggers_line or job.line),
                    reason=f"runs {verdict.detail}; triggers: {job.triggers or 'none'}; "
                    f"checked against {branch}",
                )
            )
        elif verdict.kind == "unknown" and job.fires_on_default:
            unknown.append(f"{wf.path} job {job.name!r}: {verdict.detail}")
    finder = _TestFinder(ctx)
    for entry in ci.unparsed:
        for number, line in enumerate((ctx.read(entry.path) or "").splitlines(), start=1):
            code = line.split("#", 1)[0] if entry.suffix in {".yml", ".yaml"} else line
            verdict = finder.script(code, "", 0)
            if verdict.kind == "tests":
                detail = f"runs {verdict.detail} (this service's triggers are not read)"
                evidence.append(Evidence(detail, entry.path, number))
                break
    if evidence:
        return passed("CI runs the tests.", evidence)
    if idle:
        return failed("CI runs the tests only in workflows that never start on " + branch, idle)
    if unknown:
        return not_applicable(
            "CI hands the work to code outside this repository, so whether it runs the tests "
            "cannot be told: " + "; ".join(unknown[:3])
        )
    notes: list[str] = ctx.shared.get("ci.notes", [])
    why = "; ".join(dict.fromkeys(notes + finder.notes)) or "no step calls a test command"
    findings = [
        Finding(
            "This CI configuration runs no test command.",
            path,
            reason=why,
        )
        for path in dict.fromkeys(
            [wf.path for wf in ci.workflows if wf.provider not in {"netlify", "vercel"}]
            + [e.path for e in ci.unparsed]
        )
    ] or [missing("No CI configuration runs the tests; the deploy build runs none either.")]
    return failed("CI is configured but runs no tests.", findings)


@rule(
    id="ci.never-triggers",
    title="CI workflows start on the default branch",
    category="ci",
    severity="medium",
    checklist_keys=("deployment.ci-pipeline",),
)
def never_triggers(ctx: ScanContext) -> Outcome:
    """Each CI workflow that runs tests starts for the default branch (read from the clone):
    a push to it, a pull request into it, a schedule. Reported: workflows whose branch
    filters leave it out (`branches: [develop]`, `branches-ignore: [main]`, a glob that does
    not match), that only run by hand, whose trigger is missing or commented out, and files
    the CI service could not read (invalid YAML). Deploy and release workflows that run no
    tests may run elsewhere and are left alone."""
    ci = _ci(ctx)
    workflows = [wf for wf in ci.workflows if wf.provider not in {"netlify", "vercel"}]
    if not workflows:
        return not_applicable("No CI configuration whose triggers can be read.")
    branch = ci.branches.describe()
    verdicts = {(id(wf), job.name): v for wf, job, v in _job_verdicts(ctx)}
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for wf in workflows:
        if wf.problem:
            findings.append(
                Finding(
                    f"{wf.path} is {wf.problem}: the CI service will not run it.",
                    wf.path,
                    wf.problem_line,
                    snippet=_snippet(ctx, wf.path, wf.problem_line),
                    reason=f"parsing {wf.path}: {wf.problem}",
                )
            )
            continue
        if wf.provider == "github-actions" and not wf.events:
            line = wf.jobs[0].line if wf.jobs else None
            findings.append(
                Finding(
                    f"{wf.name} has no trigger (`on:` is missing, empty or commented out): "
                    "GitHub never runs it.",
                    wf.path,
                    line,
                    snippet=_snippet(ctx, wf.path, line),
                    reason="no `on:` key in the workflow",
                )
            )
            continue
        if wf.called:
            evidence.append(Evidence("runs when another workflow calls it", wf.path))
            continue
        seen: set[str] = set()
        for job in wf.jobs:
            if job.fires_on_default:
                evidence.append(Evidence(f"starts on {job.fires_on_default[0]}", wf.path, job.line))
                continue
            verdict = verdicts.get((id(wf), job.name), _NONE)
            if verdict.kind == "none" or job.triggers in seen:
                continue
            seen.add(job.triggers)
            manual = wf.manual_only or "by hand only" in job.triggers
            message = (
                f"{wf.name}: the tests in job {job.name!r} run only when started by hand."
                if manual
                else f"{wf.name}: job {job.name!r} never starts on {branch}."
            )
            findings.append(
                Finding(
                    message,
                    wf.path,
                    job.triggers_line or job.line,
                    severity=Severity.LOW if manual else None,
                    snippet=_snippet(ctx, wf.path, job.triggers_line or job.line),
                    reason=f"triggers: {job.triggers or 'none'}; checked against {branch}",
                )
            )
    if findings:
        return failed(f"{len(findings)} CI workflow(s) never start on {branch}.", findings)
    return passed(f"Every CI workflow that runs tests starts on {branch}.", evidence)


_HEAD_REF = re.compile(
    r"github\.event\.pull_request\.head\.(?:sha|ref)|github\.head_ref"
    r"|github\.event\.pull_request\.merge_commit_sha|refs/pull/"
)


@rule(
    id="ci.pull-request-target",
    title="Pull request code never runs with the repository's secrets",
    category="ci",
    severity="high",
    checklist_keys=("deployment.ci-pipeline",),
)
def pull_request_target(ctx: ScanContext) -> Outcome:
    """`pull_request_target` runs with the repository's secrets and a write token even for a
    fork's pull request; checking out the pull request's head (`ref: ${{
    github.event.pull_request.head.sha }}`, `gh pr checkout`) and building it hands both to
    whoever opened it. `permissions: write-all` on such a workflow makes it worse."""
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for wf in _ci(ctx).workflows:
        if wf.provider != "github-actions" or "pull_request_target" not in wf.events:
            continue
        trigger = wf.events["pull_request_target"]
        evidence.append(
            Evidence("pull_request_target without checking out the head", wf.path, trigger)
        )
        for level, permissions, line in [
            ("workflow", wf.permissions, wf.permissions_line),
            *((f"job {j.name!r}", j.permissions, j.permissions_line) for j in wf.jobs),
        ]:
            if permissions == "write-all":
                findings.append(
                    Finding(
                        f"{wf.name}: `permissions: write-all` ({level}) on a pull_request_target "
                        "workflow gives pull requests from forks a token that can write.",
                        wf.path,
                        line,
                        snippet=_snippet(ctx, wf.path, line),
                        reason=f"on: pull_request_target (line {trigger}), permissions: write-all",
                    )
                )
        for job in wf.jobs:
            for step in job.steps:
                ref = step.with_.get("ref") if step.uses and "checkout" in step.uses else None
                head = isinstance(ref, str) and _HEAD_REF.search(ref)
                gh = step.run and re.search(
                    r"\bgh\s+pr\s+checkout\b|git\s+fetch\b.*\bpull/", step.run
                )
                if head or gh:
                    how = f"checks out {ref}" if head else "checks out the pull request with git/gh"
                    findings.append(
                        Finding(
                            f"{wf.name}: job {job.name!r} {how} under pull_request_target: a "
                            "fork's code runs with the repository's secrets and write token.",
                            wf.path,
                            step.line,
                            snippet=_snippet(ctx, wf.path, step.line),
                            reason=f"on: pull_request_target (line {trigger}) and a checkout "
                            "of the pull request's head",
                        )
                    )
    if findings:
        return failed("A pull_request_target workflow runs pull request code.", findings)
    if not evidence:
        return not_applicable("No workflow runs on pull_request_target.")
    return passed("pull_request_target workflows do not run the pull request's code.", evidence)


_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_GITHUB_OWNERS = ("actions/", "github/")
_MOVING_REFS = frozenset({"main", "master", "develop", "dev", "trunk", "latest", "head", "edge"})


def _pin_problem(uses: str) -> tuple[str, Severity] | None:
    """(what is wrong, how bad) for an unpinned `uses:`, None when it is pinned or local."""
    if uses.startswith("./"):
        return None
    if uses.startswith("docker://"):
        if "@sha256:" in uses:
            return None
        return "a Docker image by tag, not digest", Severity.LOW
    name, _, ref = uses.partition("@")
    if _FULL_SHA.match(ref):
        return None
    first_party = name.lower().startswith(_GITHUB_OWNERS)
    moving = not ref or ref.lower() in _MOVING_REFS
    if first_party and not moving:
        return None  # GitHub's own actions by release tag: the runner trusts GitHub already
    if first_party:
        return f"GitHub's action on the moving branch {ref or '(none)'!r}", Severity.LOW
    what = (
        f"the branch {ref!r}" if moving and ref else ("no ref" if not ref else f"the tag {ref!r}")
    )
    return f"a third-party action by {what}, which its owner can move", Severity.MEDIUM


@rule(
    id="ci.unpinned-actions",
    title="Third-party actions are pinned to a commit",
    category="ci",
    severity="medium",
    checklist_keys=("deployment.ci-pipeline",),
)
def unpinned_actions(ctx: ScanContext) -> Outcome:
    """Third-party actions and reusable workflows are pinned to a full commit SHA: a tag or
    branch can be moved to code that reads the workflow's secrets (as tj-actions/changed-files
    was in 2025). GitHub's own actions (actions/*, github/*) on a release tag are accepted;
    on a branch they are reported as low, and Docker images by tag rather than digest too."""
    findings: list[Finding] = []
    checked = 0
    for wf in _ci(ctx).workflows:
        if wf.provider != "github-actions":
            continue
        for job in wf.jobs:
            uses_list = [(job.calls, job.line)] if job.calls else []
            uses_list += [(s.uses, s.line) for s in job.steps if s.uses]
            for uses, line in uses_list:
                if not uses or "${{" in uses:
                    continue
                checked += 1
                problem = _pin_problem(uses)
                if problem:
                    what, severity = problem
                    findings.append(
                        Finding(
                            f"{wf.name}: `{uses}` is {what}.",
                            wf.path,
                            line,
                            severity=severity,
                            snippet=_snippet(ctx, wf.path, line),
                            reason=f"job {job.name!r} uses {uses}: not a 40-character commit SHA",
                        )
                    )
    if not checked:
        return not_applicable("No GitHub Actions workflow uses an action.")
    if findings:
        return failed(
            f"{len(findings)} action reference(s) can change under the workflow.", findings
        )
    return passed(f"{checked} action reference(s), all pinned or GitHub's own by release tag.")


_SECRET_EXPR = re.compile(r"\$\{\{\s*secrets\.(\w+)\s*\}\}")
_PRINT = re.compile(r"(?:^|[;&|(]\s*|\s)(?:echo|printf|cat\s+<<<|print)\b")
_SECRET_NAME = re.compile(
    r"(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIAL)", re.IGNORECASE
)
_SHELL_VAR = re.compile(r"\$\{?([A-Za-z_]\w*)\}?")
_HARMLESS_PRINT = re.compile(r"::add-mask::|\|\s*\S|>>?\s*\S|--password-stdin")


@rule(
    id="ci.secrets-echoed",
    title="CI never prints secrets to its log",
    category="ci",
    severity="high",
    checklist_keys=("deployment.ci-pipeline",),
)
def secrets_echoed(ctx: ScanContext) -> Outcome:
    """A CI step that prints a secret (`echo ${{ secrets.X }}`, `echo $TOKEN` where TOKEN comes
    from secrets or is named like one, `set -x` in a script that uses secrets) leaves it in a
    log that everyone with read access sees; masking misses a value that was encoded, split or
    quoted differently. Piping a secret into a command (`| docker login --password-stdin`),
    writing it to a file, or `::add-mask::` are not printing."""
    findings: list[Finding] = []
    steps_seen = 0
    for wf in _ci(ctx).workflows:
        if wf.provider in {"netlify", "vercel"}:
            continue
        for job in wf.jobs:
            inherited = {**wf.env, **job.env}
            for step in job.steps:
                if not step.run:
                    continue
                steps_seen += 1
                env = {**inherited, **step.env}
                from_secrets = {k for k, v in env.items() if isinstance(v, str) and "secrets." in v}
                problem = _echo_problem(step.run, from_secrets, wf.provider)
                if problem:
                    what, offset = problem
                    line = (step.line or 0) + offset if step.line else None
                    findings.append(
                        Finding(
                            f"{wf.name}: job {job.name!r} prints a secret to the CI log.",
                            wf.path,
                            line,
                            snippet=_snippet(ctx, wf.path, line),
                            reason=what,
                        )
                    )
    if not steps_seen:
        return not_applicable("No CI step runs a script.")
    if findings:
        return failed(f"{len(findings)} CI step(s) print secrets.", findings)
    return passed(f"{steps_seen} CI script step(s), none printing a secret.")


def _echo_problem(script: str, from_secrets: set[str], provider: str) -> tuple[str, int] | None:
    """(why, line offset inside the script) for the first line that prints a secret."""
    uses_secrets = bool(from_secrets or _SECRET_EXPR.search(script))
    # A block scalar (`run: |`) starts on the line after the key.
    block = 1 if "\n" in script.rstrip("\n") else 0
    for offset, raw in enumerate(script.split("\n")):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if re.match(r"set\s+-\w*x", line) and uses_secrets:
            return (
                "`set -x` traces every command, secrets included, in a script that uses secrets",
                offset + block,
            )
        if not _PRINT.search(line) or _HARMLESS_PRINT.search(line):
            continue
        expr = _SECRET_EXPR.search(line)
        if expr:
            return (
                f"prints ${{{{ secrets.{expr.group(1)} }}}} with {line.split()[0]}",
                offset + block,
            )
        for var in _SHELL_VAR.findall(line):
            if var in from_secrets:
                return f"prints ${var}, set from secrets in env", offset + block
            if _SECRET_NAME.search(var):
                origin = (
                    "a secret-named variable"
                    if provider == "github-actions"
                    else "a CI variable named like a secret"
                )
                return f"prints ${var}, {origin}", offset + block
    return None
