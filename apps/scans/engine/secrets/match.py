"""What a match keeps of a secret: a redacted form (a recognisable prefix and the last four
characters) and a SHA-256 fingerprint, which lets rescans tell a rotated key from a moved one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..model import Severity


def fingerprint_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(value: str) -> str:
    return "sha256:" + fingerprint_hex(value)


def redact(value: str, prefix: str = "") -> str:
    """`sk_live_…f3a9`: a known prefix and at most the last four characters, never more than a
    quarter of the secret."""
    rest = value[len(prefix) :] if value.startswith(prefix) else value
    if not value.startswith(prefix):
        prefix = ""
    tail = rest[-4:] if len(rest) >= 16 else ""
    return f"{prefix}…{tail}"


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A secret found at one place, with nothing in it that reveals the secret."""

    rule_id: str  # the rule that reports this kind, e.g. "secrets.stripe-key"
    description: str  # e.g. "Stripe live secret key"
    path: str
    line: int
    redacted: str
    fingerprint: str
    severity: Severity
    variable: str | None = None  # the name it is assigned to, when the line shows one
    in_example: bool = False  # found in .env.example and the like
    # Why it is believed, for a person to check: the pattern or the name and call that made
    # it a secret ("Stripe key pattern sk_live_ + 24 characters"). Never the value.
    reason: str = ""
    # Where a login credential was used ("login call", "prefilled form", "seed script"), which
    # sets the severity of a hard-coded credential; empty for other secrets.
    usage: str = ""
