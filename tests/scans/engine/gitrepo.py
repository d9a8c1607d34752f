"""Builds small git repositories in a temporary folder for the scan-engine tests, and makes
credential-shaped strings at run time (from parts and a seeded generator), so that no
key-like literal is ever committed to this repository."""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
from pathlib import Path

from apps.scans.engine import RuleResult, ScanLimits, ScanReport, scan_directory

_GIT_IDENTITY = (
    "-c", "user.name=Scan Tests", "-c", "user.email=scan-tests@example.invalid",
    "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", "-c", "core.hooksPath=/dev/null",
)  # fmt: skip
_GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}

BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *_GIT_IDENTITY, *args], cwd=repo, env=_GIT_ENV, check=True, capture_output=True
    )


def make_repo(
    root: Path,
    files: dict[str, str | bytes] | None = None,
    *,
    symlinks: dict[str, str] | None = None,
    commit: bool = True,
) -> Path:
    """A git repository at `root` holding `files` (path -> text or bytes), committed."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    for path, content in (files or {}).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    for link, target in (symlinks or {}).items():
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        (root / link).symlink_to(target)
    if commit and (files or symlinks):
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "fixture")
    return root


def scan(root: Path, files: dict[str, str | bytes] | None = None, **kwargs) -> ScanReport:
    return scan_directory(make_repo(root, files), **kwargs)


def run_rule(
    root: Path, rule_id: str, files: dict[str, str | bytes], *, limits: ScanLimits | None = None
) -> RuleResult:
    """Build a repository and run one rule on it."""
    report = scan_directory(make_repo(root, files), rules=[rule_id], limits=limits)
    return report.result(rule_id)


# --- credential-shaped values, generated -------------------------------------------------------


def random_text(length: int, alphabet: str = BASE62, seed: int = 1) -> str:
    rng = random.Random(f"{seed}-{length}-{alphabet[:4]}")
    return "".join(rng.choice(alphabet) for _ in range(length))


def stripe_key(mode: str = "live", seed: int = 1) -> str:
    return "sk_" + mode + "_" + random_text(24, seed=seed)


def aws_access_key_id(seed: int = 1) -> str:
    return "AK" + "IA" + random_text(16, UPPER_DIGITS, seed)


def aws_secret_key(seed: int = 1) -> str:
    return random_text(40, BASE62 + "/+", seed)


def google_api_key(seed: int = 1) -> str:
    return "AI" + "za" + random_text(35, BASE62 + "-_", seed)


def openai_key(seed: int = 1) -> str:
    return "sk-" + "proj-" + random_text(48, BASE62 + "-_", seed)


def anthropic_key(seed: int = 1) -> str:
    return "sk-" + "ant-api03-" + random_text(93, BASE62 + "-_", seed) + "AA"


def github_token(seed: int = 1) -> str:
    return "gh" + "p_" + random_text(36, seed=seed)


def slack_token(seed: int = 1) -> str:
    return "xo" + "xb-" + random_text(12, "0123456789", seed) + "-" + random_text(24, seed=seed)


def slack_webhook(seed: int = 1) -> str:
    return (
        "https://hooks.slack" + ".com/services/T"
        + random_text(8, UPPER_DIGITS, seed) + "/B" + random_text(10, UPPER_DIGITS, seed + 1)
        + "/" + random_text(24, seed=seed)
    )  # fmt: skip


def sendgrid_key(seed: int = 1) -> str:
    return "S" + "G." + random_text(22, seed=seed) + "." + random_text(43, BASE62 + "-_", seed)


def _b64url(data: dict | bytes) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def jwt(claims: dict, seed: int = 1) -> str:
    header = _b64url({"alg": "HS256", "typ": "JWT"})
    return f"{header}.{_b64url(claims)}.{random_text(43, BASE62 + '-_', seed)}"


def supabase_key(role: str = "service_role", seed: int = 1, iss: str = "supabase") -> str:
    return jwt({"iss": iss, "ref": random_text(20, "abcdefghijklmnopqrstuvwxyz", seed),
                "role": role, "iat": 1700000000, "exp": 2000000000}, seed)  # fmt: skip


def private_key_pem(seed: int = 1, kind: str = "RSA ") -> str:
    body = base64.b64encode(random.Random(seed).randbytes(600)).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}PRIVATE" + f" KEY-----\n{lines}\n-----END {kind}PRIVATE KEY-----\n"
