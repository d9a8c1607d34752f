"""A bounded view of a checked-out repository: the file list, and content read on demand.

The walk never follows a symbolic link (links are recorded, their targets never read), skips
version-control, dependency and build directories, and enforces limits on the number of files
and total bytes. File contents are not kept: the runner streams each text file once through
the content scanners, and rules that need a particular small file (package.json, a Dockerfile)
read it through a small LRU cache.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from .model import MAX_SKIPPED_LISTED, ScanIssue, ScanStats, Skipped
from .secrets.paths import is_env_file

# Directories that hold other people's code, generated output or tool caches: scanning them
# costs time and reports problems the repository's owners did not write.
DEFAULT_SKIP_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "jspm_packages",
        "vendor",
        "dist",
        "build",
        "out",
        ".next",
        ".nuxt",
        ".output",
        ".svelte-kit",
        ".vercel",
        ".netlify",
        ".turbo",
        ".parcel-cache",
        ".cache",
        ".expo",
        "coverage",
        ".nyc_output",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".gradle",
        "target",
        "Pods",
        "DerivedData",
        ".terraform",
        ".serverless",
        ".aws-sam",
        ".angular",
        ".docusaurus",
        "storybook-static",
        "site-packages",
    }
)

# Content that is never text worth scanning: skipped without opening the file.
BINARY_SUFFIXES: frozenset[str] = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".ico", ".icns", ".tif",
        ".tiff", ".psd", ".heic", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4",
        ".m4a", ".mov", ".avi", ".mkv", ".webm", ".wav", ".ogg", ".flac", ".zip", ".gz",
        ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst", ".jar", ".war", ".class", ".pyc",
        ".pyo", ".so", ".dylib", ".dll", ".exe", ".bin", ".wasm", ".o", ".a", ".lib", ".pdf",
        ".sqlite", ".sqlite3", ".db", ".lockb", ".pkl", ".npy", ".npz", ".onnx", ".pt",
        ".parquet", ".glb", ".fbx", ".blend", ".keystore", ".jks", ".p12", ".pfx", ".dmg",
        ".iso", ".apk", ".ipa", ".aab",
    }
)  # fmt: skip

# Machine-written text that only repeats what manifests say (and is full of hashes that look
# like secrets): listed so that rules can see it exists, never content-scanned.
GENERATED_NAMES: frozenset[str] = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "composer.lock",
        "gemfile.lock",
        "cargo.lock",
        "go.sum",
        "flake.lock",
        "packages.lock.json",
    }
)
GENERATED_SUFFIXES: frozenset[str] = frozenset({".map", ".snap"})

BINARY_SNIFF_BYTES = 8192

# Names that usually hold credentials: one skipped unread (too large, say) is named to people,
# since the secret rules could not look inside it.
SECRET_SHAPED_NAMES: frozenset[str] = frozenset(
    {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".npmrc", ".pypirc", ".netrc", ".pgpass",
     "credentials", "credentials.json", "service-account.json", "serviceaccount.json",
     "secrets.json", "secrets.yml", "secrets.yaml", "firebase-adminsdk.json"}
)  # fmt: skip
SECRET_SHAPED_SUFFIXES: frozenset[str] = frozenset(
    {".pem", ".key", ".p12", ".pfx", ".keystore", ".jks", ".ppk", ".asc", ".gpg"}
)


def is_secret_shaped(lname: str, suffix: str) -> bool:
    return lname in SECRET_SHAPED_NAMES or suffix in SECRET_SHAPED_SUFFIXES or is_env_file(lname)


class RepositoryTooLarge(Exception):  # noqa: N818 - the name reads as the condition it reports
    """The tree is past a hard limit; `message` says which, in words a person can act on."""

    def __init__(self, message: str, *, limit: str, maximum: int) -> None:
        super().__init__(message)
        self.message = message
        self.limit = limit
        self.maximum = maximum


@dataclass(frozen=True, slots=True)
class ScanLimits:
    """Bounds on what a scan reads. Past `max_files`, `max_dirs` or `max_total_bytes` the scan
    stops with RepositoryTooLarge; a file past `max_file_bytes` is listed but not read."""

    max_files: int = 20_000
    max_dirs: int = 20_000
    max_file_bytes: int = 1_000_000
    max_total_bytes: int = 200_000_000
    max_depth: int = 48
    max_findings_per_rule: int = 100
    read_cache_bytes: int = 8_000_000
    skip_dirs: frozenset[str] = DEFAULT_SKIP_DIRS


@dataclass(slots=True)
class FileEntry:
    path: str  # relative, "/"-separated, as shown to people
    abspath: str
    size: int
    name: str  # basename, original case
    lname: str  # basename, lower case
    suffix: str  # lower-case extension with the dot, "" if none
    dir: str  # parent directory's relative path, "" at the root
    binary: bool | None = None  # unknown until read


@dataclass(frozen=True, slots=True)
class SymlinkEntry:
    path: str
    outside: bool  # the target (lexically) leaves the repository


@dataclass(slots=True)
class Snapshot:
    root: str
    limits: ScanLimits
    files: dict[str, FileEntry] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    symlinks: list[SymlinkEntry] = field(default_factory=list)
    skipped_dir_paths: list[str] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)
    warnings: list[ScanIssue] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    by_name: dict[str, list[FileEntry]] = field(default_factory=dict)
    _cache: OrderedDict[str, str | None] = field(default_factory=OrderedDict)
    _cache_chars: int = 0

    # --- building -------------------------------------------------------------------------

    @classmethod
    def build(cls, root: str | os.PathLike[str], limits: ScanLimits | None = None) -> Snapshot:
        """Walk `root` (an existing directory) into a snapshot; RepositoryTooLarge past a limit."""
        snapshot = cls(root=os.path.abspath(os.fspath(root)), limits=limits or ScanLimits())
        snapshot._walk()
        return snapshot

    def _warn(self, code: str, message: str, path: str | None = None) -> None:
        # A pathological tree could produce a warning per file; the first few say enough.
        if len(self.warnings) < 200:
            self.warnings.append(ScanIssue(code=code, message=message, path=path))

    def _skip(self, path: str, reason: str, *, lname: str = "", suffix: str = "") -> None:
        """List what was not read (the counts are kept in stats by the caller)."""
        secret = bool(lname) and is_secret_shaped(lname, suffix)
        if secret and reason == "too_large":
            # Past the warnings' cap too: this one a person must see.
            self.warnings.append(
                ScanIssue(
                    "secret-file-not-scanned",
                    "Not scanned for secrets (too large), though its name is one that holds "
                    "credentials: look at it yourself.",
                    path,
                )
            )
        if len(self.skipped) < MAX_SKIPPED_LISTED:
            self.skipped.append(Skipped(path=path, reason=reason, secret_shaped=secret))

    def _walk(self) -> None:
        limits = self.limits
        stats = self.stats
        real_root = os.path.realpath(self.root)
        pending: list[tuple[str, str, int]] = [(self.root, "", 0)]
        while pending:
            abs_dir, rel_dir, depth = pending.pop()
            try:
                entries = self._list(abs_dir)
            except OSError as exc:
                stats.unreadable += 1
                self._warn("unreadable-dir", f"Could not list directory: {exc.strerror}", rel_dir)
                continue
            subdirs: list[tuple[str, str, int]] = []
            for entry in entries:
                name = _display(entry.name)
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    if entry.is_symlink():
                        self._record_symlink(entry.path, rel, real_root)
                    elif entry.is_dir(follow_symlinks=False):
                        if self._skip_dir(entry, name, rel, depth):
                            continue
                        stats.dirs_seen += 1
                        if stats.dirs_seen > limits.max_dirs:
                            raise RepositoryTooLarge(
                                f"The repository has more than {limits.max_dirs:,} directories, "
                                "the most a scan accepts.",
                                limit="max_dirs",
                                maximum=limits.max_dirs,
                            )
                        self.dirs.add(rel)
                        subdirs.append((entry.path, rel, depth + 1))
                    elif entry.is_file(follow_symlinks=False):
                        if name in self.limits.skip_dirs:  # a worktree's ".git" file
                            continue
                        if name != entry.name:
                            # Not valid UTF-8: no rule could report it by a name a person can
                            # find, so it is said, not read.
                            stats.unreadable_names += 1
                            self._skip(rel, "unreadable_name")
                            continue
                        self._record_file(entry, name, rel, rel_dir)
                    else:
                        stats.skipped_special += 1
                        self._check_file_limit("entries (files and links)")
                        self._warn("special-file", "Skipped a FIFO, socket or device file.", rel)
                except OSError as exc:
                    stats.unreadable += 1
                    self._warn("unreadable", f"Could not inspect entry: {exc.strerror}", rel)
            # Reversed so that the stack pops directories in name order: stable output.
            pending.extend(reversed(subdirs))

    def _list(self, abs_dir: str) -> list[os.DirEntry[str]]:
        """A directory's entries in name order; refuses one so big that listing it is the
        problem (the per-file limit would only trip after it had all been held in memory)."""
        most = self.limits.max_files + self.limits.max_dirs
        entries = []
        with os.scandir(abs_dir) as it:
            for entry in it:
                entries.append(entry)
                if len(entries) > most:
                    raise RepositoryTooLarge(
                        f"A single directory holds more than {most:,} entries, more than a "
                        "scan accepts.",
                        limit="max_files",
                        maximum=self.limits.max_files,
                    )
        entries.sort(key=lambda e: e.name)
        return entries

    def _check_file_limit(self, counted: str) -> None:
        # Links and special files count too: never read, but a tree of them is still too big.
        stats = self.stats
        if (
            stats.files_seen + stats.skipped_symlinks + stats.skipped_special
            > self.limits.max_files
        ):
            raise RepositoryTooLarge(
                f"The repository has more than {self.limits.max_files:,} {counted}, the most a "
                "scan accepts.",
                limit="max_files",
                maximum=self.limits.max_files,
            )

    def _skip_dir(self, entry: os.DirEntry[str], name: str, rel: str, depth: int) -> bool:
        if name in self.limits.skip_dirs or _is_virtualenv(entry.path):
            self.stats.skipped_dirs += 1
            if len(self.skipped_dir_paths) < 100:
                self.skipped_dir_paths.append(rel)
            return True
        if depth + 1 > self.limits.max_depth:
            self.stats.skipped_dirs += 1
            self.stats.skipped_deep += 1
            self._warn("too-deep", f"Skipped: nested deeper than {self.limits.max_depth}.", rel)
            self._skip(rel, "too_deep")
            return True
        return False

    def _record_symlink(self, abspath: str, rel: str, real_root: str) -> None:
        self.stats.skipped_symlinks += 1
        self._check_file_limit("entries (files and links)")
        try:
            target = os.readlink(abspath)
        except OSError:
            target = ""
        outside = _leaves_tree(target, os.path.dirname(abspath), self.root, real_root)
        if len(self.symlinks) < 1000:
            self.symlinks.append(SymlinkEntry(path=rel, outside=outside))
        if outside:
            self.stats.symlinks_outside += 1
            self._warn(
                "symlink-outside-tree",
                "Symbolic link points outside the repository; it was not followed.",
                rel,
            )

    def _record_file(self, entry: os.DirEntry[str], name: str, rel: str, rel_dir: str) -> None:
        limits = self.limits
        stats = self.stats
        size = entry.stat(follow_symlinks=False).st_size
        stats.files_seen += 1
        stats.bytes_seen += size
        self._check_file_limit("files (outside dependency and build folders)")
        if stats.bytes_seen > limits.max_total_bytes:
            raise RepositoryTooLarge(
                f"The repository holds more than {limits.max_total_bytes // 1_000_000:,} MB "
                "(outside dependency and build folders), the most a scan accepts.",
                limit="max_total_bytes",
                maximum=limits.max_total_bytes,
            )
        lname = name.lower()
        file_entry = FileEntry(
            path=rel,
            abspath=entry.path,
            size=size,
            name=name,
            lname=lname,
            suffix=os.path.splitext(lname)[1],
            dir=rel_dir,
        )
        self.files[rel] = file_entry
        self.by_name.setdefault(lname, []).append(file_entry)

    # --- reading --------------------------------------------------------------------------

    def _read(self, entry: FileEntry) -> str | None:
        """The file's text, or None for binary, oversized, vanished or unreadable files."""
        if entry.binary or entry.suffix in BINARY_SUFFIXES:
            entry.binary = True
            return None
        if entry.size > self.limits.max_file_bytes:
            return None
        try:
            # O_NOFOLLOW: a file swapped for a link after the walk is refused, not followed;
            # O_NONBLOCK: a file swapped for a FIFO cannot hang the scan.
            fd = os.open(
                entry.abspath,
                os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0),
            )
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return None
                data = handle.read(self.limits.max_file_bytes + 1)
            except OSError:
                return None
        if len(data) > self.limits.max_file_bytes:
            return None
        if b"\x00" in data[:BINARY_SNIFF_BYTES]:
            entry.binary = True
            return None
        entry.binary = False
        # utf-8-sig: a byte-order mark (common in files saved on Windows) would break JSON.
        return data.decode("utf-8-sig", errors="replace")

    def read_text(self, path: str) -> str | None:
        """A file's text through a small LRU cache, for files that several rules look at."""
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        entry = self.files.get(path)
        if entry is None:
            return None
        text = self._read(entry)
        size = len(text) if text else 0
        if size <= self.limits.read_cache_bytes // 4:
            self._cache[path] = text
            self._cache_chars += size
            while self._cache_chars > self.limits.read_cache_bytes and self._cache:
                _, evicted = self._cache.popitem(last=False)
                self._cache_chars -= len(evicted) if evicted else 0
        return text

    def iter_text_files(self) -> Iterator[tuple[FileEntry, str]]:
        """Every text file once, for the streaming content pass; updates the scan counts.

        Only one file's content is alive at a time, so memory stays flat however big the tree.
        """
        stats = self.stats
        for entry in self.files.values():
            if entry.suffix in BINARY_SUFFIXES:
                entry.binary = True
                stats.skipped_binary += 1
                self._skip(entry.path, "binary", lname=entry.lname, suffix=entry.suffix)
                continue
            if entry.lname in GENERATED_NAMES or entry.suffix in GENERATED_SUFFIXES:
                continue
            if entry.size > self.limits.max_file_bytes:
                stats.skipped_large += 1
                self._warn(
                    "file-too-large",
                    f"Not scanned: larger than {self.limits.max_file_bytes:,} bytes.",
                    entry.path,
                )
                self._skip(entry.path, "too_large", lname=entry.lname, suffix=entry.suffix)
                continue
            text = self._read(entry)
            if text is None:
                if entry.binary:
                    stats.skipped_binary += 1
                    self._skip(entry.path, "binary", lname=entry.lname, suffix=entry.suffix)
                else:
                    stats.unreadable += 1
                continue
            stats.files_scanned += 1
            stats.bytes_scanned += entry.size
            yield entry, text

    # --- queries --------------------------------------------------------------------------

    def file(self, path: str) -> FileEntry | None:
        return self.files.get(path)

    def exists(self, path: str) -> bool:
        path = path.strip("/")
        return path in self.files or path in self.dirs

    def is_dir(self, path: str) -> bool:
        return path.strip("/") in self.dirs

    def named(self, *names: str) -> list[FileEntry]:
        """Files with one of these basenames (case-insensitive), anywhere, in path order."""
        found: list[FileEntry] = []
        for name in names:
            found.extend(self.by_name.get(name.lower(), ()))
        return sorted(found, key=lambda e: e.path) if len(names) > 1 else found

    def under(self, directory: str) -> list[FileEntry]:
        prefix = directory.strip("/") + "/"
        return [e for p, e in self.files.items() if p.startswith(prefix)]

    def root_file(self, *names: str) -> FileEntry | None:
        """The first of these names present at the repository root (case-insensitive)."""
        for name in names:
            for entry in self.by_name.get(name.lower(), ()):
                if entry.dir == "":
                    return entry
        return None


def _display(name: str) -> str:
    # Names that are not valid UTF-8 arrive with surrogate escapes; JSON and people get "?".
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name


def _is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _leaves_tree(target: str, link_dir: str, root: str, real_root: str) -> bool:
    """Whether a link's target, read lexically, lies outside the repository."""
    if not target:
        return True
    if os.path.isabs(target):
        resolved = posixpath.normpath(target)
    else:
        resolved = os.path.normpath(os.path.join(link_dir, target))
    return not any(
        resolved == base or resolved.startswith(base.rstrip(os.sep) + os.sep)
        for base in (root, real_root)
    )
