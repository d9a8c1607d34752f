"""Cloning a prototype's repository safely, for a scan.

- Only https (and, when SCAN_ALLOW_LOCAL_REPOS is on, local paths for tests); no
  credentials in the URL (the token travels in a header, through git's environment, so it is
  not on any command line).
- With SCAN_BLOCK_PRIVATE_NETWORKS on (production), a host that resolves to a loopback,
  private, link-local or otherwise reserved address is refused, and git is pinned to the
  address we checked (http.curloptResolve) and forbidden to follow redirects, so DNS tricks
  cannot send it elsewhere afterwards.
- Single branch, no tags, no submodules, no hooks, no prompts, no system or user
  configuration; a time limit, a size limit (watched while cloning, history included) and the
  scan engine's file-count limits.
- History bounded by SCAN_HISTORY_COMMITS (the last N commits, for the scan's history pass,
  engine/history.py); 0 clones shallow, the latest commit only. The tree rules read the
  checkout either way.
"""

from __future__ import annotations

import base64
import ctypes
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from apps.core.netguard import BlockedAddress, public_address

MAX_URL_LENGTH = 500  # characters; no real repository address comes close

# Messages git prints when the network, not the repository, is at fault: worth a retry.
_TRANSIENT = (
    "could not resolve proxy",
    "connection timed out",
    "connection reset",
    "operation timed out",
    "the remote end hung up unexpectedly",
    "http/2 stream",
    "returned error: 502",
    "returned error: 503",
    "returned error: 504",
    "early eof",
    "temporary failure in name resolution",
)


class CloneError(Exception):
    """The repository could not be fetched; `message` is for the person who asked."""

    def __init__(self, message: str, *, code: str, transient: bool = False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.transient = transient


@dataclass(frozen=True)
class Target:
    url: str  # what git is given
    host: str | None  # None for a local path
    port: int | None
    pinned_address: str | None  # the checked address git must connect to


def check_url(url: str) -> None:
    """Reject what can be told from the text alone: the scheme, credentials, no host."""
    parse_url(url)


def parse_url(url: str) -> tuple[str, str | None, int | None]:
    url = (url or "").strip()
    if not url:
        raise CloneError("Give the repository's https address.", code="invalid_url")
    if len(url) > MAX_URL_LENGTH:
        raise CloneError("The repository address is too long.", code="invalid_url")
    if settings.SCAN_ALLOW_LOCAL_REPOS and url.startswith(("/", "file://")):
        return ("file://" + url if url.startswith("/") else url), None, None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise CloneError(f"“{url}” is not a valid address.", code="invalid_url") from None
    if parts.scheme != "https":
        raise CloneError(
            f"Only https addresses can be scanned (this one is “{parts.scheme or 'no scheme'}”). "
            "Use the repository's https clone URL, such as https://github.com/acme/app.git.",
            code="unsupported_scheme",
        )
    if parts.username or parts.password:
        raise CloneError(
            "Remove the user name or token from the address; give the token in its own field.",
            code="credentials_in_url",
        )
    if not parts.hostname or not _looks_like_host(parts.hostname):
        raise CloneError(f"“{url}” has no valid host name.", code="invalid_url")
    return url, parts.hostname, port or 443


def _looks_like_host(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return "." in name or name == "localhost"
    return True


def resolve(url: str) -> Target:
    """Check the address and, when private networks are blocked, where it resolves to."""
    url, host, port = parse_url(url)
    if host is None:
        path = Path(url.removeprefix("file://"))
        if not path.exists():
            raise CloneError(f"No repository at {path}.", code="not_found")
        return Target(url=url, host=None, port=None, pinned_address=None)
    if not settings.SCAN_BLOCK_PRIVATE_NETWORKS:
        return Target(url=url, host=host, port=port, pinned_address=None)
    try:
        address = public_address(host, port or 443)
    except BlockedAddress as exc:
        message = exc.message
        if exc.code == "private_address":
            message += " Scan a repository hosted on the public internet."
        raise CloneError(message, code=exc.code) from None
    return Target(url=url, host=host, port=port, pinned_address=address)


def _git_env(target: Target, token: str | None, home: Path) -> dict[str, str]:
    """git's whole configuration, from the environment (GIT_CONFIG_COUNT): nothing on the
    command line, no system or user files."""
    config = {
        "protocol.allow": "never",
        "protocol.https.allow": "always",
        "protocol.file.allow": "always" if target.host is None else "never",
        "core.hooksPath": os.devnull,
        "core.fsmonitor": "false",
        "credential.helper": "",
        "http.followRedirects": "false",
        "http.lowSpeedLimit": "1000",
        "http.lowSpeedTime": "30",
        "submodule.recurse": "false",
        "advice.detachedHead": "false",
        "init.defaultBranch": "main",
    }
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        config["http.extraHeader"] = f"Authorization: Basic {basic}"
    if target.pinned_address:
        address = target.pinned_address
        if ":" in address:
            address = f"[{address}]"
        config["http.curloptResolve"] = f"{target.host}:{target.port}:{address}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/false",
        "SSH_ASKPASS": "/bin/false",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_CONFIG_COUNT": str(len(config)),
    }
    for index, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def _tree_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).lstat().st_size
            except OSError:
                continue
    return total


def _check_size(dest: Path, max_bytes: int) -> None:
    if dest.exists() and _tree_bytes(dest) > max_bytes:
        raise CloneError(
            f"The repository is larger than {max_bytes // 1_000_000} MB, the most Launchpad scans.",
            code="too_large",
        )


# --- Temporary checkouts ------------------------------------------------------------------
# One folder per scan under SCAN_WORK_DIR, named after the process that made it, so that a
# worker's start-up sweep can tell a dead process's leftovers from a running scan's.
_CHECKOUT_NAME = re.compile(r"scan-(\d+)-.+")
_CLONE_GROUP_FILE = "clone.pgid"  # the process group of the checkout's git clone


@contextmanager
def checkout() -> Iterator[Path]:
    """A fresh folder for one scan's clone, removed when the block ends, however it ends."""
    root = Path(settings.SCAN_WORK_DIR)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"scan-{os.getpid()}-", dir=root))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True


def sweep_checkouts() -> int:
    """Remove the checkouts of processes that no longer run (a worker killed mid-scan), and
    stop any clone of theirs still running; returns how many were removed."""
    root = Path(settings.SCAN_WORK_DIR)
    if not root.is_dir():
        return 0
    removed = 0
    for entry in root.iterdir():
        match = _CHECKOUT_NAME.fullmatch(entry.name)
        if match is None or not entry.is_dir() or _running(int(match[1])):
            continue
        try:
            group = int((entry / _CLONE_GROUP_FILE).read_text())
            os.killpg(group, signal.SIGKILL)
        except (OSError, ValueError):
            pass  # no clone recorded, or it has already gone
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    return removed


def _die_with_parent() -> Callable[[], None] | None:
    """Run in the forked child before git starts (Linux): SIGKILL when the worker dies, so a
    killed worker's clone does not run on with nobody enforcing its limits."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: the start-up sweep still stops the clone
    parent = os.getpid()

    def hook() -> None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the worker died before the line above
            os._exit(1)

    return hook


def clone(
    target: Target,
    dest: Path,
    *,
    token: str | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
    history_commits: int | None = None,
) -> str:
    """Clone `target` into `dest` (which must not exist) and return the commit SHA.

    `history_commits` (default: the SCAN_HISTORY_COMMITS setting) is how many commits to
    fetch; 0 or 1 clones the latest commit only."""
    timeout = timeout or settings.SCAN_CLONE_TIMEOUT
    max_bytes = max_bytes or settings.SCAN_MAX_REPO_BYTES
    if history_commits is None:
        history_commits = settings.SCAN_HISTORY_COMMITS
    depth = str(max(history_commits, 1))
    home = dest.parent / "home"
    home.mkdir(exist_ok=True)
    env = _git_env(target, token, home)
    command = [
        "git", "clone", "--depth", depth, "--single-branch", "--no-tags",
        "--no-recurse-submodules", "--quiet", "--", target.url, str(dest),
    ]  # fmt: skip
    started = time.monotonic()
    # Its own session and process group (git starts helpers: one signal stops them all),
    # killed if the worker dies; the parent enforces the time and size limits below.
    process = subprocess.Popen(  # noqa: S603 - fixed argv; the URL was checked above
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_die_with_parent(),  # noqa: PLW1509
    )  # fmt: skip
    (dest.parent / _CLONE_GROUP_FILE).write_text(str(process.pid))
    next_size_check = started + 1.0
    try:
        while process.poll() is None:
            now = time.monotonic()
            if now - started > timeout:
                raise CloneError(  # noqa: TRY301 - the handler below stops the process first
                    f"Cloning took longer than {int(timeout)} seconds and was stopped. The "
                    "repository may be very large or the host slow; try again later.",
                    code="timeout",
                    transient=True,
                )
            if now >= next_size_check:
                next_size_check = now + 1.0
                _check_size(dest, max_bytes)
            time.sleep(0.1)
    except BaseException:  # our limits, or the task's soft time limit
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    _stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise _clone_failure(stderr.decode(errors="replace"), token)
    _check_size(dest, max_bytes)
    head = subprocess.run(  # noqa: S603
        ["git", "-C", str(dest), "rev-parse", "--verify", "--quiet", "HEAD"],  # noqa: S607
        env=env, capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    if head.returncode != 0 or not head.stdout.strip():
        raise CloneError(
            "The repository is empty: it has no commits to scan.", code="empty_repository"
        )
    return head.stdout.strip()


def _clone_failure(stderr: str, token: str | None) -> CloneError:
    if token:
        stderr = stderr.replace(token, "…")  # never echo the secret back
    lowered = stderr.lower()
    if any(marker in lowered for marker in _TRANSIENT):
        return CloneError(
            "The repository's host did not answer properly; the scan will try again.",
            code="network",
            transient=True,
        )
    denied = ("authentication failed", "could not read username", "403")
    missing = ("not found", "does not appear to be a git repository", "404")
    if any(marker in lowered for marker in denied):
        return CloneError(
            "The repository needs an access token, or the one given cannot read it.",
            code="access_denied",
        )
    if any(marker in lowered for marker in missing):
        return CloneError(
            "No repository was found at that address. Check it, and that the token can read it.",
            code="not_found",
        )
    if "redirect" in lowered:
        return CloneError(
            "The address redirects elsewhere; give the repository's final https address.",
            code="redirect",
        )
    last_line = stderr.strip().splitlines()[-1][:300] if stderr.strip() else "no details"
    return CloneError(f"git could not clone the repository: {last_line}", code="clone_failed")
