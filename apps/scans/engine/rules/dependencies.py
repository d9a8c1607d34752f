"""Dependencies: a lockfile per project, versions that cannot drift (no "latest", no "*", no
open-ended ranges without a lock) and a bot that proposes updates."""

from __future__ import annotations

import re

from ..context import ScanContext
from ..manifests import Dependency, PythonManifest
from ..model import Evidence, Finding
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..snapshot import Snapshot
from .helpers import missing

JS_LOCKS = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "bun.lock",
)
PY_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock", "pipfile.lock", "pylock.toml")
OTHER_LOCKS = {
    "go.mod": ("go.sum",),
    "cargo.toml": ("cargo.lock",),
    "gemfile": ("gemfile.lock",),
    "composer.json": ("composer.lock",),
}
_UNBOUNDED = re.compile(r"^\s*>=?\s*[\w.\-]+\s*$")
_GIT_COMMIT = re.compile(r"#[0-9a-f]{7,40}$|@[0-9a-f]{40}\b")


def _ancestors(directory: str) -> list[str]:
    dirs = [directory]
    while directory:
        directory = directory.rsplit("/", 1)[0] if "/" in directory else ""
        dirs.append(directory)
    return dirs


def find_lock(snap: Snapshot, directory: str, names: tuple[str, ...]) -> str | None:
    """The nearest lockfile with one of `names` in `directory` or above it."""
    for candidate in _ancestors(directory):
        for name in names:
            for entry in snap.by_name.get(name, ()):
                if entry.dir == candidate:
                    return entry.path
    return None


def _pinned_requirement(dep: Dependency) -> bool:
    spec = dep.spec.replace(" ", "")
    return spec.startswith(("==", "===")) or bool(_GIT_COMMIT.search(spec))


@rule(
    id="dependencies.lockfile",
    title="Dependencies are locked",
    category="dependencies",
    severity="medium",
    checklist_keys=("maintenance.dependency-lockfile",),
)
def lockfile(ctx: ScanContext) -> Outcome:
    """Each project has a lockfile beside its manifest or above it (workspaces): npm, yarn,
    pnpm or bun for package.json; poetry, uv, pdm or Pipfile.lock for Python (or requirements
    pinned with == throughout, as pip-compile writes); go.sum, Cargo.lock, Gemfile.lock..."""
    snap = ctx.snapshot
    findings: list[Finding] = []
    evidence: list[Evidence] = []
    for pkg in ctx.manifests.package_jsons:
        if not pkg.dependencies:
            continue
        lock = find_lock(snap, pkg.dir, JS_LOCKS)
        if lock:
            evidence.append(Evidence("JavaScript lockfile", lock))
        else:
            findings.append(Finding("No lockfile for this package.json.", pkg.path))
    python_dirs: dict[str, list[PythonManifest]] = {}
    for manifest in ctx.manifests.python:
        if manifest.dependencies:
            python_dirs.setdefault(manifest.dir, []).append(manifest)
    for directory, manifests in python_dirs.items():
        lock = find_lock(snap, directory, PY_LOCKS)
        if lock:
            evidence.append(Evidence("Python lockfile", lock))
            continue
        requirements = [m for m in manifests if m.kind == "requirements"]
        if requirements and all(
            _pinned_requirement(d) for m in requirements for d in m.dependencies
        ):
            evidence.append(Evidence("requirements pinned with ==", requirements[0].path))
            continue
        first = manifests[0]
        findings.append(
            Finding(
                "No lockfile, and requirements are not all pinned with ==: installs drift.",
                first.path,
            )
        )
    for manifest_name, locks in OTHER_LOCKS.items():
        for entry in snap.by_name.get(manifest_name, ())[:20]:
            lock = find_lock(snap, entry.dir, locks)
            if lock:
                evidence.append(Evidence("lockfile", lock))
            elif manifest_name != "cargo.toml":  # libraries leave Cargo.lock out on purpose
                findings.append(Finding(f"No lockfile for {entry.name}.", entry.path))
    if findings:
        return failed("Some projects have no lockfile.", findings, evidence)
    if not evidence:
        return not_applicable("No dependency manifest.")
    return passed("Dependencies are locked.", evidence)


def npm_spec_problem(spec: str) -> str | None:
    """Why an npm version spec can drift to anything, or None."""
    s = spec.strip()
    if s.startswith("npm:"):
        s = s[4:].rsplit("@", 1)[1] if "@" in s[5:] else ""
    lowered = s.lower()
    if lowered.startswith(("workspace:", "file:", "link:", "portal:", "patch:", "catalog:")):
        return None
    if lowered in {"", "*", "x", "x.x", "x.x.x", "latest", "next", "canary", "beta"}:
        return f'"{s or "(empty)"}" installs whatever is newest'
    if lowered.startswith(("git", "github:", "http:", "https:")) or (
        "/" in s and not s[:1].isdigit()
    ):
        return None if _GIT_COMMIT.search(s) else "a git or URL dependency without a commit"
    if any(_UNBOUNDED.match(part) for part in s.split("||")):
        return f'"{s}" has no upper bound'
    return None


@rule(
    id="dependencies.pinned-npm",
    title="npm dependency versions are bounded",
    category="dependencies",
    severity="medium",
    checklist_keys=("maintenance.pinned-dependencies",),
)
def pinned_npm(ctx: ScanContext) -> Outcome:
    """No package.json dependency on "latest", "*", "" or an open `>=` range: AI generators
    often write "latest", which a fresh install resolves to the next major version."""
    packages = [p for p in ctx.manifests.package_jsons if p.dependencies]
    if not packages:
        return not_applicable("No package.json with dependencies.")
    findings = []
    for pkg in packages:
        for dep in pkg.dependencies:
            if dep.spec == "" and dep.name in pkg.data.get("peerDependencies", {}):
                continue
            problem = npm_spec_problem(dep.spec)
            if problem:
                findings.append(Finding(f"{dep.name}: {problem}.", dep.path, dep.line))
    if findings:
        return failed(f"{len(findings)} dependency version(s) can drift.", findings)
    count = sum(len(p.dependencies) for p in packages)
    return passed(f"All {count} npm dependencies have bounded versions.")


def python_spec_problem(dep: Dependency) -> str | None:
    spec = dep.spec.replace(" ", "")
    if spec.startswith("@"):
        return None if _GIT_COMMIT.search(spec) or "==" in spec else "a URL without a commit"
    if spec in {"", "*"}:
        return "no version constraint"
    if spec == "(source)":
        return None
    parts = spec.split(",")
    if all(p.startswith((">", "!=")) for p in parts):
        return f'"{dep.spec}" has no upper bound'
    return None


@rule(
    id="dependencies.pinned-python",
    title="Python dependency versions are pinned",
    category="dependencies",
    severity="medium",
    checklist_keys=("maintenance.pinned-dependencies",),
)
def pinned_python(ctx: ScanContext) -> Outcome:
    """Python requirements without a lockfile have an upper bound (==, ~=, <): a bare
    `requests` or `django>=4` installs a different version on every build."""
    manifests = [m for m in ctx.manifests.python if m.dependencies]
    if not manifests:
        return not_applicable("No Python dependency manifest.")
    findings = []
    evidence = []
    for manifest in manifests:
        lock = find_lock(ctx.snapshot, manifest.dir, PY_LOCKS)
        if lock:
            evidence.append(Evidence("versions locked", lock))
            continue
        for dep in manifest.dependencies:
            problem = python_spec_problem(dep)
            if problem:
                findings.append(Finding(f"{dep.name}: {problem}.", dep.path, dep.line))
    if findings:
        return failed(
            f"{len(findings)} Python dependency version(s) can drift.", findings, evidence
        )
    return passed("Python dependencies are pinned or locked.", evidence)


_BOT_FILES = (
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
    ".pyup.yml",
    ".depfu.yml",
)


@rule(
    id="dependencies.update-bot",
    title="A bot proposes dependency updates",
    category="dependencies",
    severity="low",
    checklist_keys=("maintenance.automated-dependency-updates",),
)
def update_bot(ctx: ScanContext) -> Outcome:
    """Dependabot (.github/dependabot.yml), Renovate (renovate.json, .renovaterc or a
    "renovate" key in package.json), PyUp or Depfu configuration."""
    snap = ctx.snapshot
    for path in _BOT_FILES:
        if snap.file(path):
            return passed(
                "Dependency updates are automated.", [Evidence("update bot config", path)]
            )
    for pkg in ctx.manifests.package_jsons:
        if "renovate" in pkg.data:
            return passed("Dependency updates are automated.", [Evidence("renovate key", pkg.path)])
    if not ctx.manifests.has_any:
        return not_applicable("No dependency manifest.")
    return failed(
        "No automated dependency updates.",
        [missing("No Dependabot or Renovate configuration.")],
    )
