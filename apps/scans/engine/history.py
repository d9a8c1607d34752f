"""The git-history pass: the secret detector over the lines that past commits added, so that a
key deleted from the tree but still in history (and so still readable by anyone with the
repository) is reported with the commit that added it.

It reads the local clone only, through `git log` in a subprocess bounded in time and output,
with the repository's hooks, configuration, external diff drivers and text conversions off.
Two passes keep it cheap on big trees: `git log --raw` first lists which file versions differ
from the checkout (a file unchanged since it was added is the tree's business: the tree rules
read it), then `git log -p` prints the added lines of those paths only.
Bad input (not a repository, a shallow clone, git missing, a huge history) is said in the
result's `status` and `message`, never raised.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .model import ScanIssue
from .secrets import SecretDetector, SecretMatch
from .snapshot import BINARY_SUFFIXES, DEFAULT_SKIP_DIRS, GENERATED_NAMES, GENERATED_SUFFIXES

HISTORY_RULE = "secrets.in-history"  # the rule that reads this pass's result


@dataclass(frozen=True, slots=True)
class HistoryLimits:
    max_commits: int = 200
    max_seconds: float = 30.0  # both git commands together
    max_output_bytes: int = 100_000_000  # of `git log -p` output
    max_file_bytes: int = 1_000_000  # lines added to one file by one commit
    max_matches: int = 500


@dataclass(frozen=True, slots=True)
class HistoryMatch:
    """A secret on a line that `commit` added; path and line are as in that commit."""

    match: SecretMatch
    commit: str  # short SHA
    date: str  # author date, ISO 8601


# What `status` says: "read" (history was read, perhaps only in part: see `truncated`), or why
# not: "not-a-repository", "git-missing", "shallow" (only the checkout's own commit), "failed".
@dataclass(slots=True)
class HistoryScan:
    status: str
    message: str = ""
    commits: int = 0  # commits read
    shallow: bool = False  # the clone was cut at a depth: older commits were not fetched
    truncated: str = ""  # why reading stopped early, if it did
    file_versions: int = 0  # (commit, file) pairs whose added lines were scanned
    skipped_large: int = 0  # (commit, file) pairs past max_file_bytes, not scanned
    matches: list[HistoryMatch] = field(default_factory=list)

    def issues(self) -> list[ScanIssue]:
        """What the report's warnings say about this pass: why it did not read history, or
        read only part of it."""
        found = []
        if self.status != "read":
            found.append(ScanIssue("history-not-read", self.message))
        elif self.truncated:
            found.append(
                ScanIssue("history-truncated", f"History read in part only: {self.truncated}.")
            )
        if self.skipped_large:
            found.append(
                ScanIssue(
                    "history-large-changes",
                    f"{self.skipped_large} very large change(s) in history were not scanned.",
                )
            )
        return found


class _StoppedError(Exception):
    """A limit was reached while reading git's output."""


def scan_history(
    root: str | os.PathLike[str],
    *,
    limits: HistoryLimits | None = None,
    detector: SecretDetector | None = None,
) -> HistoryScan:
    limits = limits or HistoryLimits()
    detector = detector or SecretDetector()
    root_path = Path(root)
    if not (root_path / ".git").exists():
        return HistoryScan("not-a-repository", "The scanned folder is not a git repository.")
    git = _Git(root_path, deadline=time.monotonic() + limits.max_seconds)
    try:
        head = git.run("rev-parse", "--is-shallow-repository", "HEAD").split()
        if len(head) != 2:
            return HistoryScan("failed", "git could not read the repository's HEAD commit.")
        shallow = head[0] == "true"
        tree = _tree_blobs(git.run_bytes("ls-tree", "-r", "-z", "--full-tree", "HEAD"))
        raw_args = ("--raw", "--no-abbrev", "--format=commit %H", f"-n{limits.max_commits}")
        wanted, commits = _changed_versions(git.run_bytes(*_LOG, *raw_args, "HEAD"), tree)
    except FileNotFoundError:
        return HistoryScan("git-missing", "git is not installed where the scan runs.")
    except _StoppedError as stop:
        return HistoryScan("failed", f"History not read: {stop}.", truncated=str(stop))
    except OSError as exc:  # git could not be started (permissions, resources)
        return HistoryScan("failed", f"git could not be run ({exc.strerror or exc}).")
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
        reason = detail[-1][:200] if detail else f"exit status {exc.returncode}"
        return HistoryScan("failed", f"git could not read the history ({reason}).")
    if shallow and commits <= 1:
        return HistoryScan(
            "shallow",
            "The clone holds only the latest commit (a shallow clone): history was not read.",
            commits=commits,
            shallow=True,
        )
    result = HistoryScan("read", commits=commits, shallow=shallow)
    if wanted:
        try:
            _scan_patches(git, wanted, tree, limits, detector, result)
        except OSError as exc:
            return HistoryScan("failed", f"git could not be run ({exc.strerror or exc}).")
    return result


# Options every `git log` here takes: plain patches whatever the repository configures.
_LOG = (
    "log", "--no-renames", "--no-color", "--no-ext-diff", "--no-textconv", "--no-show-signature",
    "--no-mailmap", "--no-decorate",
)  # fmt: skip
# Settings that could run a program or change the output's shape, pinned on the command line
# (which wins over the repository's own .git/config).
_SAFE_CONFIG = (
    "core.hooksPath=/dev/null", "core.fsmonitor=false", "core.quotePath=false",
    "core.attributesFile=/dev/null", "diff.external=", "diff.noprefix=false",
    "diff.mnemonicPrefix=false", "diff.relative=false", "log.showRoot=true",
    "log.showSignature=false", "core.pager=cat", "color.ui=false", "gpg.program=/bin/false",
)  # fmt: skip


class _Git:
    def __init__(self, root: Path, *, deadline: float) -> None:
        self.root = root
        self.deadline = deadline
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.devnull,
            "LANG": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
            # Never walk up into a repository around the scanned folder.
            "GIT_CEILING_DIRECTORIES": str(root.resolve().parent),
            "GIT_LITERAL_PATHSPECS": "1",
        }

    def argv(self, *args: str) -> list[str]:
        config = [part for setting in _SAFE_CONFIG for part in ("-c", setting)]
        return ["git", "-C", str(self.root), *config, *args]

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _StoppedError("the time limit for reading history was reached")
        return left

    def run_bytes(self, *args: str) -> bytes:
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                self.argv(*args), env=self.env, stdin=subprocess.DEVNULL,
                capture_output=True, timeout=self.remaining(), check=True,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise _StoppedError("the time limit for reading history was reached") from None
        return done.stdout

    def run(self, *args: str) -> str:
        return self.run_bytes(*args).decode("utf-8", "replace")

    def stream(self, args: list[str], stdin: bytes, max_bytes: int) -> Iterator[bytes]:
        """git's output line by line; stops it (and raises _StoppedError) past the time or size."""
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            self.argv(*args), env=self.env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # A timer, not a check between lines: a git that prints nothing must be stopped too.
        timer = threading.Timer(self.remaining(), process.kill)
        timer.start()
        read = 0
        try:
            assert process.stdin is not None  # noqa: S101 - set by PIPE above
            assert process.stdout is not None  # noqa: S101
            try:
                process.stdin.write(stdin)
                process.stdin.close()
            except BrokenPipeError:
                pass  # git stopped early; its exit says why
            for line in process.stdout:
                read += len(line)
                if read > max_bytes:
                    raise _StoppedError(f"the history's patches passed {max_bytes // 1_000_000} MB")
                yield line
            if process.wait() != 0 and time.monotonic() >= self.deadline:
                raise _StoppedError("the time limit for reading history was reached")
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()


def _unquote(path: str) -> str:
    """A path as git prints it when it holds unusual characters: "a/caf\\303\\251 \\"x\\""."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    escapes = {ord("n"): 10, ord("t"): 9, ord('"'): 34, ord("\\"): 92, ord("a"): 7, ord("b"): 8,
               ord("f"): 12, ord("r"): 13, ord("v"): 11}  # fmt: skip
    while i < len(raw):
        byte = raw[i]
        if byte == 92 and i + 1 < len(raw):
            nxt = raw[i + 1]
            if 48 <= nxt <= 55 and i + 3 < len(raw) + 1:
                out.append(int(raw[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(escapes.get(nxt, nxt))
            i += 2
            continue
        out.append(byte)
        i += 1
    return out.decode("utf-8", "replace")


def _tree_blobs(listing: bytes) -> dict[str, str]:
    """path -> blob id for every file of the checked-out commit (`ls-tree -r -z`)."""
    blobs = {}
    for entry in listing.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob":
            blobs[path.decode("utf-8", "replace")] = parts[2].decode()
    return blobs


def _worth_reading(path: str) -> bool:
    """The files the tree walk reads too: not dependencies, build output, binaries or
    lockfiles (whose hashes look like secrets)."""
    segments = path.split("/")
    if any(segment in DEFAULT_SKIP_DIRS for segment in segments[:-1]):
        return False
    lname = segments[-1].lower()
    suffix = posixpath.splitext(lname)[1]
    return not (
        lname in GENERATED_NAMES or suffix in BINARY_SUFFIXES or suffix in GENERATED_SUFFIXES
    )


def _changed_versions(raw_log: bytes, tree: dict[str, str]) -> tuple[set[str], int]:
    """The paths with at least one past version that is not the checkout's (so lines it added
    may be gone from the tree), and the number of commits listed."""
    wanted: set[str] = set()
    commits = 0
    for line in raw_log.decode("utf-8", "replace").split("\n"):
        if line.startswith("commit "):
            commits += 1
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) < 5 or parts[4][:1] not in {"A", "M", "T"}:
                continue  # deletions add nothing
            path = _unquote(path)
            if tree.get(path) != parts[3] and _worth_reading(path):
                wanted.add(path)
    return wanted, commits


@dataclass(slots=True)
class _FilePatch:
    path: str = ""
    blob: str = ""
    skip: bool = False
    size: int = 0
    lines: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


def _scan_patches(
    git: _Git,
    wanted: set[str],
    tree: dict[str, str],
    limits: HistoryLimits,
    detector: SecretDetector,
    result: HistoryScan,
) -> None:
    args = [*_LOG, "-p", "-U0", "--full-index", "--src-prefix=a/", "--dst-prefix=b/",
            "--format=commit %H %aI", f"-n{limits.max_commits}", "--stdin"]  # fmt: skip
    # Paths go on stdin after "--" (literal, thanks to GIT_LITERAL_PATHSPECS); a name with a
    # newline in it cannot be passed that way and is left to the tree rules.
    stdin = ("HEAD\n--\n" + "".join(f"{p}\n" for p in sorted(wanted) if "\n" not in p)).encode(
        "utf-8", "surrogateescape"
    )
    reader = _PatchReader(wanted, tree, limits, detector, result)
    try:
        for raw in git.stream(args, stdin, limits.max_output_bytes):
            reader.feed(raw.decode("utf-8", "replace").rstrip("\n"))
        reader.finish()
    except _StoppedError as stop:
        result.truncated = str(stop)
    matches = sorted(reader.found.values(), key=lambda h: (h.match.path, h.match.line))
    result.matches = matches[: limits.max_matches]


@dataclass(slots=True)
class _PatchReader:
    """Reads `git log -p -U0` line by line, collecting each file's added lines per commit and
    handing them to the detector when the file's patch ends."""

    wanted: set[str]
    tree: dict[str, str]
    limits: HistoryLimits
    detector: SecretDetector
    result: HistoryScan
    found: dict[tuple[str, str], HistoryMatch] = field(default_factory=dict)
    commit: str = ""
    date: str = ""
    patch: _FilePatch | None = None
    in_header: bool = False
    number: int = 0

    def feed(self, line: str) -> None:
        # Patch lines start with "+", "-", "@@", "\\" or a header word: a line that starts
        # with "commit " is always the next commit's header.
        if line.startswith("commit "):
            parts = line.split()
            if len(parts) == 3 and len(parts[1]) >= 40:
                self.finish()
                self.commit, self.date = parts[1], parts[2]
                return
        if line.startswith("diff --git "):
            self.finish()
            self.patch = _FilePatch()
            self.in_header = True
            return
        patch = self.patch
        if patch is None:
            return
        if self.in_header and not line.startswith("@@"):
            self._header(patch, line)
            return
        self.in_header = False
        if line.startswith("@@"):
            self.number = _new_start(line)
            if patch.lines:
                # A blank line between hunks: one hunk's end never joins the next's start.
                patch.lines.append("")
                patch.numbers.append(self.number)
        elif line.startswith("+") and not patch.skip:
            patch.size += len(line)
            if patch.size <= self.limits.max_file_bytes:
                patch.lines.append(line[1:])
                patch.numbers.append(self.number)
            self.number += 1

    def _header(self, patch: _FilePatch, line: str) -> None:
        if line.startswith("index "):
            patch.blob = line.split()[1].rsplit("..", maxsplit=1)[-1]
        elif line.startswith("+++ "):
            # git ends a name that holds a space with a tab (for patch(1)); a real tab in a
            # name would have been quoted.
            target = line[4:].removesuffix("\t")
            if target == "/dev/null":
                patch.skip = True  # deleted: nothing added
            else:
                patch.path = _unquote(target).removeprefix("b/")
                # A version identical to the checkout's is the tree rules' to judge.
                patch.skip = (
                    patch.path not in self.wanted or self.tree.get(patch.path) == patch.blob
                )
        elif line.startswith("Binary files "):
            patch.skip = True

    def finish(self) -> None:
        patch, self.patch, self.in_header = self.patch, None, False
        if patch is None or patch.skip or not patch.lines:
            return
        if patch.size > self.limits.max_file_bytes:
            self.result.skipped_large += 1
            return
        self.result.file_versions += 1
        lname = patch.path.rsplit("/", 1)[-1].lower()
        suffix = posixpath.splitext(lname)[1]
        for match in self.detector.scan(patch.path, lname, suffix, "\n".join(patch.lines)):
            line = patch.numbers[match.line - 1]
            # git log runs newest first: the last one kept is the commit that added it.
            self.found[(match.rule_id, match.fingerprint)] = HistoryMatch(
                replace(match, line=line), self.commit[:8], self.date
            )


def _new_start(hunk: str) -> int:
    """The first line number in the new file of a hunk `@@ -a,b +c,d @@`."""
    try:
        plus = hunk.split(" +", 1)[1].split(" ", 1)[0]
        return int(plus.split(",", 1)[0])
    except (IndexError, ValueError):
        return 0
