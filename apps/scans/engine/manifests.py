"""Dependency manifests read once per scan: package.json, requirements files, pyproject.toml
and Pipfile, with the line each dependency is declared on, and the lockfiles beside them
(lockfiles.py) with the version each dependency resolves to."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from .lockfiles import (
    MAX_LOCKFILES,
    NPM_PARSERS,
    PYTHON_PARSERS,
    UNREAD_LOCKFILES,
    LockedPackage,
    Lockfile,
    LockfileError,
    is_registry_version,
    read_bounded,
)
from .snapshot import FileEntry, Snapshot
from .textutil import LineIndex, line_of

MAX_MANIFESTS = 200
NPM_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)"
)


def normalise_python_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, slots=True)
class Dependency:
    name: str  # npm name as written, or the normalised PyPI name
    spec: str  # version constraint as written; "" when there is none
    path: str
    line: int | None
    dev: bool
    ecosystem: str  # "npm" or "pypi"


@dataclass(slots=True)
class PackageJson:
    path: str
    dir: str
    data: dict[str, Any]
    dependencies: list[Dependency]

    @property
    def scripts(self) -> dict[str, str]:
        scripts = self.data.get("scripts")
        if not isinstance(scripts, dict):
            return {}
        return {str(k): v for k, v in scripts.items() if isinstance(v, str)}


@dataclass(slots=True)
class PythonManifest:
    path: str
    dir: str
    kind: str  # "requirements", "pyproject", "pipfile"
    dependencies: list[Dependency]
    data: dict[str, Any] = field(default_factory=dict)  # parsed TOML, for pyproject/Pipfile


@dataclass(slots=True)
class Manifests:
    package_jsons: list[PackageJson] = field(default_factory=list)
    python: list[PythonManifest] = field(default_factory=list)
    npm_index: dict[str, list[Dependency]] = field(default_factory=dict)
    python_index: dict[str, list[Dependency]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    lockfiles: list[Lockfile] = field(default_factory=list)
    unread_lockfiles: list[tuple[str, str]] = field(default_factory=list)  # (path, why)

    def locked(self, dep: Dependency) -> LockedPackage | None:
        """The version `dep` installs: from the nearest lockfile of its ecosystem in its
        folder or above it (a workspace's root lockfile), or None when nothing locks it."""
        directory = dep.path.rsplit("/", 1)[0] if "/" in dep.path else ""
        candidates = [
            lock
            for lock in self.lockfiles
            if lock.ecosystem == dep.ecosystem
            and (lock.dir in {"", directory} or directory.startswith(lock.dir + "/"))
        ]
        for lock in sorted(candidates, key=lambda lock: -len(lock.dir)):
            importer = directory[len(lock.dir) :].strip("/")
            found = (
                lock.direct.get(importer, {}).get(dep.name)
                or lock.by_spec.get((dep.name, dep.spec))
                or lock.direct.get("", {}).get(dep.name)
            )
            if found is not None:
                return found
        return None

    def npm(self, *names: str) -> Dependency | None:
        for name in names:
            if name.endswith("/*"):
                scope = name[:-1]
                for key, deps in self.npm_index.items():
                    if key.startswith(scope):
                        return deps[0]
            elif name in self.npm_index:
                return self.npm_index[name][0]
        return None

    def pypi(self, *names: str) -> Dependency | None:
        for name in names:
            found = self.python_index.get(normalise_python_name(name))
            if found:
                return found[0]
        return None

    def find(self, npm: tuple[str, ...] = (), pypi: tuple[str, ...] = ()) -> Dependency | None:
        return self.npm(*npm) or self.pypi(*pypi)

    @property
    def has_any(self) -> bool:
        return bool(self.package_jsons or self.python)


def load_manifests(snapshot: Snapshot) -> Manifests:
    manifests = Manifests()
    for entry in snapshot.named("package.json")[:MAX_MANIFESTS]:
        _load_package_json(snapshot, entry, manifests)
    python_files = [
        e
        for e in snapshot.files.values()
        if (e.suffix == ".txt" and ("requirements" in e.lname or e.dir.endswith("requirements")))
        or e.lname in {"pyproject.toml", "pipfile"}
    ]
    for entry in python_files[:MAX_MANIFESTS]:
        text = snapshot.read_text(entry.path)
        if text is None:
            continue
        if entry.lname == "pyproject.toml":
            _load_pyproject(entry, text, manifests)
        elif entry.lname == "pipfile":
            _load_pipfile(entry, text, manifests)
        else:
            manifests.python.append(
                PythonManifest(
                    entry.path, entry.dir, "requirements", parse_requirements(entry, text)
                )
            )
    _load_lockfiles(snapshot, manifests)
    for pkg in manifests.package_jsons:
        for dep in pkg.dependencies:
            manifests.npm_index.setdefault(dep.name, []).append(dep)
    for manifest in manifests.python:
        for dep in manifest.dependencies:
            manifests.python_index.setdefault(dep.name, []).append(dep)
    return manifests


def _load_lockfiles(snapshot: Snapshot, manifests: Manifests) -> None:
    names = (*NPM_PARSERS, *PYTHON_PARSERS, *UNREAD_LOCKFILES)
    for entry in snapshot.named(*names)[:MAX_LOCKFILES]:
        if entry.lname in UNREAD_LOCKFILES:
            manifests.unread_lockfiles.append((entry.path, UNREAD_LOCKFILES[entry.lname]))
            continue
        try:
            text = read_bounded(entry)
            if entry.lname in NPM_PARSERS:
                lock = NPM_PARSERS[entry.lname](entry, text)
            else:
                lock = PYTHON_PARSERS[entry.lname](entry, text, normalise_python_name)
        except LockfileError as exc:
            manifests.problems.append((entry.path, f"{entry.name}: {exc}"))
            manifests.unread_lockfiles.append((entry.path, str(exc)))
            continue
        if lock.truncated:
            manifests.problems.append(
                (entry.path, f"{entry.name}: only the first {len(lock.packages):,} packages read")
            )
        manifests.lockfiles.append(lock)
    for manifest in manifests.python:
        if manifest.kind == "requirements":
            pinned = _pinned_requirements(manifest)
            if pinned.packages:
                manifests.lockfiles.append(pinned)


def _pinned_requirements(manifest: PythonManifest) -> Lockfile:
    """A requirements file's `name==version` lines: what pip installs, as a lockfile would."""
    lock = Lockfile(manifest.path, manifest.dir, "requirements", "pypi")
    for dep in manifest.dependencies:
        spec = dep.spec.replace(" ", "")
        version = spec.lstrip("=") if spec.startswith("==") else ""
        if version and "," not in version and is_registry_version(version):
            package = LockedPackage(dep.name, version, "pypi", dep.path, dep.line, spec)
            lock.add(package)
            lock.set_direct("", package)
    return lock


def _load_package_json(snapshot: Snapshot, entry: FileEntry, manifests: Manifests) -> None:
    text = snapshot.read_text(entry.path)
    if text is None:
        return
    try:
        data = json.loads(text)
    except ValueError:
        manifests.problems.append((entry.path, "package.json is not valid JSON"))
        return
    if not isinstance(data, dict):
        manifests.problems.append((entry.path, "package.json is not a JSON object"))
        return
    deps: list[Dependency] = []
    index = LineIndex(text)
    for section in NPM_SECTIONS:
        block = data.get(section)
        if not isinstance(block, dict):
            continue
        section_at = max(text.find(f'"{section}"'), 0)
        for name, spec in block.items():
            at = _json_key_offset(text, json.dumps(name), section_at)
            deps.append(
                Dependency(
                    name=str(name),
                    spec=spec if isinstance(spec, str) else "",
                    path=entry.path,
                    line=index.line(at) if at is not None else None,
                    dev=section != "dependencies",
                    ecosystem="npm",
                )
            )
    manifests.package_jsons.append(PackageJson(entry.path, entry.dir, data, deps))


_COLON_AFTER_KEY = re.compile(r"\s*:")


def _json_key_offset(text: str, quoted: str, start: int) -> int | None:
    """Where `quoted` (a JSON string) first stands as an object key at or after `start`.

    A substring search, not a regular expression compiled per dependency: for a monorepo of
    200 package.json files that compiling took half a second.
    """
    pos = text.find(quoted, start)
    while pos != -1:
        if _COLON_AFTER_KEY.match(text, pos + len(quoted)):
            return pos
        pos = text.find(quoted, pos + 1)
    return None


def parse_requirements(entry: FileEntry, text: str) -> list[Dependency]:
    deps: list[Dependency] = []
    dev = any(word in entry.path.lower() for word in ("dev", "test", "lint", "doc"))
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-", "git+", "http:", "https:", ".", "/")):
            continue
        m = _REQUIREMENT.match(line)
        if not m:
            continue
        deps.append(
            Dependency(
                name=normalise_python_name(m.group("name")),
                spec=m.group("spec").strip().rstrip("\\").strip(),
                path=entry.path,
                line=number,
                dev=dev,
                ecosystem="pypi",
            )
        )
    return deps


def _pep508(requirement: str, entry: FileEntry, text: str, *, dev: bool) -> Dependency | None:
    m = _REQUIREMENT.match(requirement)
    if not m:
        return None
    found = re.search(r"[\"']" + re.escape(m.group("name")), text, re.IGNORECASE)
    return Dependency(
        name=normalise_python_name(m.group("name")),
        spec=m.group("spec").strip(),
        path=entry.path,
        line=line_of(text, found.start()) if found else None,
        dev=dev,
        ecosystem="pypi",
    )


def _toml_dep(name: str, spec: Any, entry: FileEntry, text: str, *, dev: bool) -> Dependency:
    if isinstance(spec, dict):
        version = spec.get("version", "")
        if not version and ("git" in spec or "path" in spec or "url" in spec):
            version = spec.get("rev") or spec.get("tag") or "(source)"
        spec = version
    found = re.search(r"(?m)^\s*[\"']?" + re.escape(name) + r"[\"']?\s*=", text, re.IGNORECASE)
    return Dependency(
        name=normalise_python_name(name),
        spec=spec if isinstance(spec, str) else "",
        path=entry.path,
        line=line_of(text, found.start()) if found else None,
        dev=dev,
        ecosystem="pypi",
    )


def _load_pyproject(entry: FileEntry, text: str, manifests: Manifests) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        manifests.problems.append((entry.path, "pyproject.toml is not valid TOML"))
        return
    deps: list[Dependency] = []
    project = data.get("project")
    if not isinstance(project, dict):
        project = {}
    for requirement in _strings(project.get("dependencies")):
        if dep := _pep508(requirement, entry, text, dev=False):
            deps.append(dep)
    optional = project.get("optional-dependencies")
    groups = data.get("dependency-groups")
    for table in (optional, groups):
        if isinstance(table, dict):
            for items in table.values():
                for requirement in _strings(items):
                    if dep := _pep508(requirement, entry, text, dev=True):
                        deps.append(dep)
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry, dict):
        tables: list[tuple[Any, bool]] = [
            (poetry.get("dependencies"), False),
            (poetry.get("dev-dependencies"), True),
        ]
        group_tables = poetry.get("group")
        if isinstance(group_tables, dict):
            tables += [
                (g.get("dependencies"), True) for g in group_tables.values() if isinstance(g, dict)
            ]
        for table, dev in tables:
            if isinstance(table, dict):
                for name, spec in table.items():
                    if name.lower() != "python":
                        deps.append(_toml_dep(name, spec, entry, text, dev=dev))
    manifests.python.append(PythonManifest(entry.path, entry.dir, "pyproject", deps, data))


def _load_pipfile(entry: FileEntry, text: str, manifests: Manifests) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        manifests.problems.append((entry.path, "Pipfile is not valid TOML"))
        return
    deps = []
    for section, dev in (("packages", False), ("dev-packages", True)):
        table = data.get(section)
        if isinstance(table, dict):
            deps += [_toml_dep(name, spec, entry, text, dev=dev) for name, spec in table.items()]
    manifests.python.append(PythonManifest(entry.path, entry.dir, "pipfile", deps, data))


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
