"""Lockfile readers: the exact versions a project installs, each with the lockfile line that
says so. npm (package-lock.json v1-v3, npm-shrinkwrap.json), pnpm (v5, v6 and v9 keys), yarn
(classic v1 and berry), bun's text bun.lock, poetry.lock and uv.lock; pinned requirements come
from the manifests. bun.lockb is binary and only listed as not read."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .snapshot import FileEntry
from .textutil import LineIndex

# A big monorepo's package-lock.json runs to a few MB; past this it is reported, not read.
MAX_LOCKFILE_BYTES = 25_000_000
MAX_LOCKFILES = 50
MAX_PACKAGES_PER_LOCKFILE = 20_000
# Registry versions only: workspace links, git and file sources have nothing to look up.
_VERSION = re.compile(r"^\d+(?:\.[0-9A-Za-z\-]+)*(?:[-+][0-9A-Za-z.\-+]+)?$")
_LOCAL_VERSIONS = frozenset({"0.0.0-use.local"})


class LockfileError(Exception):
    """The lockfile cannot be read; the message says why, for the scan's warnings."""


@dataclass(frozen=True, slots=True)
class LockedPackage:
    name: str  # npm name, or the normalised PyPI name
    version: str
    ecosystem: str  # "npm" or "pypi", as in manifests.Dependency
    path: str  # the lockfile
    line: int | None
    entry: str  # how the lockfile names it ("node_modules/lodash", "lodash@^4.17.0")


@dataclass(slots=True)
class Lockfile:
    path: str
    dir: str
    kind: str  # "npm", "pnpm", "yarn", "bun", "poetry", "uv", "requirements"
    ecosystem: str
    packages: list[LockedPackage] = field(default_factory=list)
    # What a project gets for a direct dependency: importer folder (relative to the lockfile,
    # "" for its own) -> package name -> the installed package.
    direct: dict[str, dict[str, LockedPackage]] = field(default_factory=dict)
    # yarn keys a version by what was asked for: (name, range) -> package.
    by_spec: dict[tuple[str, str], LockedPackage] = field(default_factory=dict)
    truncated: bool = False

    def add(self, package: LockedPackage) -> bool:
        """Record a package; False once the lockfile holds more than the bound."""
        if len(self.packages) >= MAX_PACKAGES_PER_LOCKFILE:
            self.truncated = True
            return False
        self.packages.append(package)
        return True

    def set_direct(self, importer: str, package: LockedPackage) -> None:
        self.direct.setdefault(importer, {}).setdefault(package.name, package)


def is_registry_version(version: str) -> bool:
    return bool(_VERSION.match(version)) and version not in _LOCAL_VERSIONS


def read_bounded(entry: FileEntry) -> str:
    """A lockfile's text, read with the snapshot's precautions (no links followed, regular
    files only) but a larger bound than source files get: lockfiles are big by nature."""
    if entry.size > MAX_LOCKFILE_BYTES:
        raise LockfileError(f"larger than {MAX_LOCKFILE_BYTES:,} bytes, not read")
    try:
        fd = os.open(
            entry.abspath,
            os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0),
        )
    except OSError:
        raise LockfileError("could not be opened") from None
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise LockfileError("not a regular file")
            data = handle.read(MAX_LOCKFILE_BYTES + 1)
        except OSError:
            raise LockfileError("could not be read") from None
    if len(data) > MAX_LOCKFILE_BYTES:
        raise LockfileError(f"larger than {MAX_LOCKFILE_BYTES:,} bytes, not read")
    if b"\x00" in data[:8192]:
        raise LockfileError("binary, not read")
    return data.decode("utf-8-sig", errors="replace")


def _split_name_version(descriptor: str) -> tuple[str, str]:
    """ "@scope/name@1.2.3" -> ("@scope/name", "1.2.3"); the first "@" of a scope is part of
    the name."""
    at = descriptor.rfind("@")
    if at <= 0:
        return descriptor, ""
    return descriptor[:at], descriptor[at + 1 :]


# --- npm: package-lock.json / npm-shrinkwrap.json ---------------------------------------------

_NPM_PACKAGES_KEY = re.compile(r'(?m)^[ \t]*"((?:[^"\\]|\\.)*node_modules/(?:[^"\\]|\\.)*)"[ \t]*:')
_NPM_V1_ENTRY = re.compile(
    r'(?m)^[ \t]*"((?:[^"\\]|\\.)+)"[ \t]*:[ \t]*\{\s*"version"[ \t]*:[ \t]*"([^"]+)"'
)


def parse_npm(entry: FileEntry, text: str) -> Lockfile:
    try:
        data = json.loads(text)
    except ValueError:
        raise LockfileError(f"{entry.name} is not valid JSON") from None
    if not isinstance(data, dict):
        raise LockfileError(f"{entry.name} is not a JSON object")
    lock = Lockfile(entry.path, entry.dir, "npm", "npm")
    index = LineIndex(text)
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        offsets = {m.group(1): m.start(1) for m in _NPM_PACKAGES_KEY.finditer(text)}
        for key, info in packages.items():
            if not isinstance(info, dict) or info.get("link") or "node_modules/" not in key:
                continue
            prefix, _, rest = key.rpartition("node_modules/")
            name = info.get("name") if isinstance(info.get("name"), str) else rest
            version = info.get("version")
            if not isinstance(version, str) or not is_registry_version(version):
                continue
            at = offsets.get(key)
            package = LockedPackage(
                str(name), version, "npm", entry.path, index.line(at) if at else None, key
            )
            if not lock.add(package):
                break
            if "node_modules/" not in prefix:  # not nested inside another package
                lock.set_direct(prefix.rstrip("/"), package)
        return lock
    dependencies = data.get("dependencies")  # lockfileVersion 1: a tree of "dependencies"
    if isinstance(dependencies, dict):
        v1_offsets: dict[tuple[str, str], int] = {}
        for m in _NPM_V1_ENTRY.finditer(text):
            v1_offsets.setdefault((m.group(1), m.group(2)), m.start(1))
        for name, version, depth in _npm_v1_tree(dependencies):
            at = v1_offsets.get((name, version))
            package = LockedPackage(
                name, version, "npm", entry.path, index.line(at) if at else None, name
            )
            if not lock.add(package):
                break
            if depth == 0:
                lock.set_direct("", package)
    return lock


def _npm_v1_tree(tree: dict[str, Any], depth: int = 0) -> Iterator[tuple[str, str, int]]:
    if depth > 64:  # a hand-made file could nest without end
        return
    for name, info in tree.items():
        if not isinstance(info, dict):
            continue
        version = info.get("version")
        if isinstance(version, str) and is_registry_version(version):
            yield str(name), version, depth
        nested = info.get("dependencies")
        if isinstance(nested, dict):
            yield from _npm_v1_tree(nested, depth + 1)


# --- pnpm-lock.yaml --------------------------------------------------------------------------
# Read line by line: the format is regular, and a YAML parser would cost more than the scan.

_PNPM_DIRECT_SECTIONS = frozenset({"dependencies", "devDependencies", "optionalDependencies"})


def _pnpm_key(raw: str) -> str:
    key = raw.strip()
    if key.endswith(":"):
        key = key[:-1]
    return key.strip("'\"")


def _pnpm_version(value: str) -> str:
    """ "18.2.0(react@18.2.0)" (v6, v9) or "18.2.0_react@18.2.0" (v5) -> "18.2.0"."""
    value = value.strip().strip("'\"")
    return value.split("(", 1)[0].split("_", 1)[0]


def _pnpm_package(key: str, *, v5: bool) -> tuple[str, str]:
    key = key.lstrip("/").split("(", 1)[0]
    if v5:  # "/react/18.2.0", "/@babel/core/7.22.0_supports-color@5.5.0" (peers after "_")
        name, _, version = key.rpartition("/")
        return name, version.split("_", 1)[0]
    return _split_name_version(key)


_PNPM_LOCKFILE_VERSION = re.compile(r"(?m)^lockfileVersion:\s*['\"]?(\d+)")


def parse_pnpm(entry: FileEntry, text: str) -> Lockfile:
    lock = Lockfile(entry.path, entry.dir, "pnpm", "npm")
    found = _PNPM_LOCKFILE_VERSION.search(text, 0, 4000)
    if found is None:
        raise LockfileError("pnpm-lock.yaml has no lockfileVersion")
    v5 = int(found.group(1)) < 6
    section = ""
    importer: str | None = None
    group = ""
    pending: tuple[str, str, int] | None = None  # (importer, name, line) awaiting "version:"
    direct: list[tuple[str, str, str, int]] = []  # (importer, name, version, line)
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if indent == 0:
            section = _pnpm_key(stripped.split(":", 1)[0] if ": " in stripped else stripped)
            importer, group, pending = ("" if section in _PNPM_DIRECT_SECTIONS else None), "", None
            if section in _PNPM_DIRECT_SECTIONS:
                group = section
            continue
        if section == "packages" and indent == 2 and stripped.endswith(":"):
            name, version = _pnpm_package(_pnpm_key(stripped), v5=v5)
            if is_registry_version(version) and not lock.add(
                LockedPackage(name, version, "npm", entry.path, number, _pnpm_key(stripped))
            ):
                break
        elif section == "importers":
            if indent == 2:
                key = _pnpm_key(stripped)
                importer, group = ("" if key == "." else key), ""
            elif indent == 4:
                group = _pnpm_key(stripped)
            elif indent == 6 and group in _PNPM_DIRECT_SECTIONS and importer is not None:
                pending = (importer, _pnpm_key(stripped), number)
            elif indent == 8 and pending and stripped.startswith("version:"):
                direct.append((*pending[:2], _pnpm_version(stripped[8:]), pending[2]))
                pending = None
        elif section in _PNPM_DIRECT_SECTIONS and importer is not None:
            if indent == 2 and ":" in stripped:  # v5 "react: 18.2.0", v6 "react:" + version
                name, _, value = stripped.partition(":")
                if value.strip():
                    direct.append(("", _pnpm_key(name), _pnpm_version(value), number))
                else:
                    pending = ("", _pnpm_key(name), number)
            elif indent == 4 and pending and stripped.startswith("version:"):
                direct.append((*pending[:2], _pnpm_version(stripped[8:]), pending[2]))
                pending = None
    located = {(p.name, p.version): p for p in lock.packages}
    for importer_dir, name, version, number in direct:
        if not is_registry_version(version):
            continue
        package = located.get((name, version)) or LockedPackage(
            name, version, "npm", entry.path, number, name
        )
        lock.set_direct(importer_dir, package)
    return lock


# --- yarn.lock (classic v1 and berry) ---------------------------------------------------------


def parse_yarn(entry: FileEntry, text: str) -> Lockfile:
    lock = Lockfile(entry.path, entry.dir, "yarn", "npm")
    descriptors: list[str] = []
    header_line = 0
    meaningful = False
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        meaningful = True
        if not raw[0].isspace():
            header = raw.rstrip().rstrip(":")
            descriptors = [] if header == "__metadata" else _yarn_descriptors(header)
            header_line = number
            continue
        stripped = raw.strip()
        if not descriptors or not stripped.startswith("version"):
            continue
        if raw[: len(raw) - len(raw.lstrip())] not in {"  ", "\t"}:
            continue  # a dependency named "version" one level deeper
        version = stripped[len("version") :].lstrip(": ").strip().strip("\"'")
        name = _split_descriptor(descriptors[0])[0]
        if is_registry_version(version):
            package = LockedPackage(name, version, "npm", entry.path, header_line, descriptors[0])
            if not lock.add(package):
                break
            for descriptor in descriptors:
                dname, spec = _split_descriptor(descriptor)
                lock.by_spec[(dname, spec.removeprefix("npm:"))] = package
        descriptors = []
    if meaningful and not lock.packages and "__metadata" not in text and "yarn" not in text:
        raise LockfileError("yarn.lock has no entries yarn would write")
    return lock


def _split_descriptor(descriptor: str) -> tuple[str, str]:
    """yarn's "name@range": the range may hold "@" itself (berry's
    "resolve@patch:resolve@npm%3A1.22.1#..."), so the name ends at the first "@" after a
    scope's."""
    at = descriptor.find("@", 1)
    return (descriptor, "") if at == -1 else (descriptor[:at], descriptor[at + 1 :])


def _yarn_descriptors(header: str) -> list[str]:
    return [d.strip().strip("\"'") for d in header.split(",") if d.strip()]


# --- bun.lock (JSON with comments and trailing commas) ----------------------------------------

_JSONC_NOISE = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/|,(\s*[}\]])', re.DOTALL)
_BUN_KEY = re.compile(r'(?m)^[ \t]*"((?:[^"\\]|\\.)+)"[ \t]*:[ \t]*\[')


def jsonc_loads(text: str) -> Any:
    def keep(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1)
        return m.group(2) or ""

    return json.loads(_JSONC_NOISE.sub(keep, text))


def parse_bun(entry: FileEntry, text: str) -> Lockfile:
    try:
        data = jsonc_loads(text)
    except ValueError:
        raise LockfileError("bun.lock is not valid JSON (with comments)") from None
    if not isinstance(data, dict):
        raise LockfileError("bun.lock is not a JSON object")
    lock = Lockfile(entry.path, entry.dir, "bun", "npm")
    packages = data.get("packages")
    if not isinstance(packages, dict):
        return lock
    index = LineIndex(text)
    offsets: dict[str, int] = {}
    for m in _BUN_KEY.finditer(text):
        offsets.setdefault(m.group(1), m.start(1))
    for key, info in packages.items():
        if not isinstance(info, list) or not info or not isinstance(info[0], str):
            continue
        name, version = _split_name_version(info[0])
        if not is_registry_version(version):
            continue
        at = offsets.get(key)
        package = LockedPackage(
            name, version, "npm", entry.path, index.line(at) if at else None, key
        )
        if not lock.add(package):
            break
        if key == name:  # hoisted: what the workspace root gets
            lock.set_direct("", package)
    return lock


# --- poetry.lock and uv.lock ------------------------------------------------------------------

_TOML_PACKAGE = re.compile(r'(?m)^name\s*=\s*"([^"]+)"\s*\r?\nversion\s*=\s*"([^"]+)"')
_NON_REGISTRY_SOURCES = frozenset(
    {"git", "directory", "file", "url", "editable", "virtual", "path"}
)


def _toml_lock(entry: FileEntry, text: str, kind: str, normalise: Callable[[str], str]) -> Lockfile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise LockfileError(f"{entry.name} is not valid TOML") from None
    lock = Lockfile(entry.path, entry.dir, kind, "pypi")
    index = LineIndex(text)
    offsets: dict[tuple[str, str], int] = {}
    for m in _TOML_PACKAGE.finditer(text):
        offsets.setdefault((m.group(1), m.group(2)), m.start())
    items = data.get("package")
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        name, version = item.get("name"), item.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            continue
        source = item.get("source")
        if isinstance(source, dict) and (
            source.get("type") in _NON_REGISTRY_SOURCES or _NON_REGISTRY_SOURCES & source.keys()
        ):
            continue
        if not is_registry_version(version):
            continue
        at = offsets.get((name, version))
        line = index.line(at) if at is not None else None
        package = LockedPackage(
            normalise(name), version, "pypi", entry.path, line, f"{name} {version}"
        )
        if not lock.add(package):
            break
        lock.set_direct("", package)
    return lock


def parse_poetry(entry: FileEntry, text: str, normalise: Callable[[str], str]) -> Lockfile:
    return _toml_lock(entry, text, "poetry", normalise)


def parse_uv(entry: FileEntry, text: str, normalise: Callable[[str], str]) -> Lockfile:
    return _toml_lock(entry, text, "uv", normalise)


NPM_PARSERS: dict[str, Callable[[FileEntry, str], Lockfile]] = {
    "package-lock.json": parse_npm,
    "npm-shrinkwrap.json": parse_npm,
    "pnpm-lock.yaml": parse_pnpm,
    "yarn.lock": parse_yarn,
    "bun.lock": parse_bun,
}
PYTHON_PARSERS: dict[str, Callable[[FileEntry, str, Callable[[str], str]], Lockfile]] = {
    "poetry.lock": parse_poetry,
    "uv.lock": parse_uv,
}
UNREAD_LOCKFILES = {"bun.lockb": "bun.lockb is binary and not read (commit the text bun.lock)"}
