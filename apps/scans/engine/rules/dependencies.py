"""Dependencies: a lockfile per project, versions that cannot drift (no "latest", no "*", no
open-ended ranges without a lock), a bot that proposes updates, and no locked version with a
known vulnerability (looked up through the scan's vulnerability source)."""

from __future__ import annotations

import hashlib
import re

from ..context import ScanContext
from ..lockfiles import LockedPackage
from ..manifests import Dependency, PythonManifest
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..snapshot import Snapshot
from ..vulns import OSV_ECOSYSTEMS, Advisory, PackageVersion, SourceUnavailable, version_key
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


# OSV answers 1,000 queries a batch; a monorepo's lockfiles rarely hold more than a few
# thousand distinct versions, and past this the scan would wait on the network too long.
MAX_PACKAGES_LOOKED_UP = 10_000
_SEVERITIES = {str(s): s for s in Severity}


def _vulnerable_finding(package: LockedPackage, advisories: list[Advisory], source: str) -> Finding:
    ranked = sorted(
        advisories,
        key=lambda a: -_SEVERITIES[a.severity].rank if a.severity in _SEVERITIES else 0,
    )
    fixes = [a.fixed for a in advisories if a.fixed]
    fixed = max(fixes, key=version_key) if fixes else None
    listed = "; ".join(f"{a.id}: {a.summary}" if a.summary else a.id for a in ranked[:3])
    more = f" and {len(ranked) - 3} more" if len(ranked) > 3 else ""
    count = len(advisories)
    message = (
        f"{package.name} {package.version} has {count} known "
        f"vulnerabilit{'y' if count == 1 else 'ies'}: {listed}{more}."
        + (f" Upgrade to {fixed} or later." if fixed else " No fixed version is published.")
    )
    details = ", ".join(
        f"{a.id} ({a.severity or 'severity not given'}; "
        + (f"fixed in {a.fixed})" if a.fixed else "no fix published)")
        for a in ranked[:20]
    )
    lockfile = package.path.rsplit("/", 1)[-1]
    reason = (
        f'{lockfile} entry "{package.entry}" locks {package.name} {package.version}; '
        f"{source} lists {details}."
    )
    top = ranked[0].severity
    # The package version and its advisory ids, not the message: OSV rewording a summary must
    # not make the finding new (and lose its triage); a new advisory should.
    identity = "\x1f".join(
        [package.ecosystem, package.name, package.version, *sorted(a.id for a in advisories)]
    )
    return Finding(
        message,
        package.path,
        package.line,
        severity=_SEVERITIES.get(top or "", Severity.MEDIUM),
        fingerprint="sha256:" + hashlib.sha256(identity.encode()).hexdigest(),
        reason=reason,
    )


@rule(
    id="dependencies.known-vulnerabilities",
    title="No locked dependency has a known vulnerability",
    category="dependencies",
    severity="high",
    checklist_keys=("security.dependency-scanning",),
    # A vulnerable lockfile shows the builds are not scanned; a clean lookup today does not
    # show that they are.
    only_disproves=True,
)
def known_vulnerabilities(ctx: ScanContext) -> Outcome:
    """Every package version the lockfiles install (npm, pnpm, yarn, bun.lock, poetry, uv,
    pinned requirements) is looked up in a vulnerability database (OSV): one finding per
    vulnerable version, with the advisories and the version that fixes them. When the
    database cannot be asked, the rule says "not checked", never "passed"."""
    manifests = ctx.manifests
    packages: dict[PackageVersion, LockedPackage] = {}
    for lock in manifests.lockfiles:
        ecosystem = OSV_ECOSYSTEMS[lock.ecosystem]
        for package in lock.packages:
            packages.setdefault(PackageVersion(ecosystem, package.name, package.version), package)
    unread = [f"{path} ({why})" for path, why in manifests.unread_lockfiles]
    if not packages:
        if unread:
            return not_applicable(f"Not checked: no lockfile could be read: {', '.join(unread)}.")
        if manifests.lockfiles:
            return not_applicable("The lockfiles pin no package from a registry.")
        return not_applicable("No lockfile: the installed versions are not known.")
    source = ctx.vulnerabilities
    if source is None:
        return not_applicable(
            f"Not checked: no vulnerability database was asked about the {len(packages)} "
            "locked packages."
        )
    queried = list(packages)[:MAX_PACKAGES_LOOKED_UP]
    try:
        found = source.lookup(queried)
    except SourceUnavailable as exc:
        return not_applicable(f"Not checked: {source.name} could not be asked ({exc.message}).")
    findings = [
        _vulnerable_finding(packages[key], list(found[key]), source.name)
        for key in queried
        if found.get(key)
    ]
    evidence = [
        Evidence(f"{len(lock.packages)} package versions locked in {lock.path}", lock.path, 1)
        for lock in manifests.lockfiles
        if lock.packages
    ]
    evidence += [
        Evidence(f"not read: {why}", path, None) for path, why in manifests.unread_lockfiles
    ]
    left = len(packages) - len(queried)
    also = f" ({left} more not looked up: too many)" if left else ""
    if findings:
        return failed(
            f"{len(findings)} of {len(queried)} locked package versions have known "
            f"vulnerabilities ({source.name}){also}.",
            findings,
            evidence,
        )
    return passed(
        f"{len(queried)} packages checked, none known vulnerable ({source.name}){also}.", evidence
    )
