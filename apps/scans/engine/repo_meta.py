"""Facts about the clone itself rather than its tree: the repository's default branch, read
from the files under `.git` (no git subprocess), or None when they do not say."""

from __future__ import annotations

import os
import re
from pathlib import Path

_MAX_REF_FILE = 64_000  # packed-refs of a single-branch clone is small; a huge one is not ours
_SYMREF = re.compile(r"^ref:\s*refs/(?:heads|remotes/[^/\s]+)/(\S+)\s*$")
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def default_branch(root: str | os.PathLike[str]) -> str | None:
    """The default branch of the repository cloned at `root`.

    The remote's HEAD (`refs/remotes/origin/HEAD`, which `git clone` records) says what the
    host calls the default; failing that, the checkout's own HEAD (a clone checks out the
    default branch); failing that, for a detached HEAD, the one branch whose tip is HEAD.
    """
    git_dir = _git_dir(Path(root))
    if git_dir is None:
        return None
    head = _read(git_dir / "HEAD") or ""
    for text in (_read(git_dir / "refs" / "remotes" / "origin" / "HEAD"), head):
        m = _SYMREF.match(text or "")
        if m:
            return m.group(1)
    if _SHA.match(head.strip()):
        return _branch_at(git_dir, head.strip())
    return None


def _git_dir(root: Path) -> Path | None:
    dot_git = root / ".git"
    if dot_git.is_dir() and not dot_git.is_symlink():
        return dot_git
    # A worktree or submodule checkout: `.git` is a file naming the real directory.
    text = _read(dot_git)
    if text and text.startswith("gitdir:"):
        target = Path(os.path.normpath(root / text[len("gitdir:") :].strip()))
        return target if target.is_dir() else None
    return None


def _branch_at(git_dir: Path, sha: str) -> str | None:
    tips: dict[str, str] = {}
    for line in (_read(git_dir / "packed-refs") or "").splitlines():
        parts = line.split(" ", 1)
        if len(parts) == 2 and _SHA.match(parts[0]):
            tips[parts[1].strip()] = parts[0]
    for base in ("refs/heads", "refs/remotes/origin"):
        try:
            names = sorted(p.name for p in (git_dir / base).iterdir())[:200]
        except OSError:
            continue
        for name in names:
            value = (_read(git_dir / base / name) or "").strip()
            if _SHA.match(value):
                tips[f"{base}/{name}"] = value
    branches = {
        ref.removeprefix("refs/heads/").removeprefix("refs/remotes/origin/")
        for ref, tip in tips.items()
        if tip == sha and ref.startswith(("refs/heads/", "refs/remotes/origin/"))
    }
    branches.discard("HEAD")
    return branches.pop() if len(branches) == 1 else None


def _read(path: Path) -> str | None:
    """A small file's text; None when absent, a link, too big or unreadable."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > _MAX_REF_FILE:
            return None
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.read(_MAX_REF_FILE)
    except OSError:
        return None
