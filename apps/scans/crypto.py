"""Encryption at rest for repository access tokens: Fernet (AES-128-CBC with HMAC-SHA256)
through MultiFernet, so keys can be rotated: the first key encrypts, every key decrypts."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "SCAN_TOKEN_KEYS is empty: set it to one or more Fernet keys (make one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"SCAN_TOKEN_KEYS holds a key that is not a Fernet key: {exc}"
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.SCAN_TOKEN_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    """The plaintext; raises InvalidToken when no configured key can read it."""
    return fernet().decrypt(value.encode()).decode()


def rotate(value: str) -> str:
    """Re-encrypt with the first (newest) key."""
    return fernet().rotate(value.encode()).decode()


__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]
