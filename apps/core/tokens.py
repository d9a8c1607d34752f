"""Secret tokens that are shown once and stored only as a SHA-256 hash.

The tokens carry 256 bits of randomness, so a plain hash is enough: there is nothing to
brute-force, and a unique index on the hash makes lookup a single indexed query.
"""

import hashlib
import secrets


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(prefix: str = "") -> tuple[str, str]:
    """Return (raw token to show once, hash to store)."""
    raw = prefix + secrets.token_urlsafe(32)
    return raw, hash_token(raw)
