"""The one key ring for everything encrypted at rest, and the registry of encrypted columns
that `manage.py rotate_keys` walks.

Fernet (AES-128-CBC with HMAC-SHA256) through MultiFernet: the first key of ENCRYPTION_KEYS
encrypts, every key decrypts, so a key is replaced by putting the new one in front, running
`rotate_keys`, then dropping the old one. Apps declare the columns they encrypt in their
`AppConfig.ready()` with `register_encrypted_column`, so the rotation needs to know no app.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

_MAKE_A_KEY = (
    "make one with `python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'`"
)
# A Fernet token is base64url of: version 0x80, an 8-byte timestamp, a 16-byte IV, at least
# one 16-byte block of ciphertext and a 32-byte HMAC.
_TOKEN_VERSION = 0x80
_TOKEN_MIN_BYTES = 1 + 8 + 16 + 16 + 32


def configured_keys() -> tuple[str, ...]:
    """ENCRYPTION_KEYS; SCAN_TOKEN_KEYS, its deprecated name, while ENCRYPTION_KEYS is unset
    (deployments made before the ring was shared keep reading their tokens)."""
    keys = getattr(settings, "ENCRYPTION_KEYS", None) or getattr(settings, "SCAN_TOKEN_KEYS", ())
    return tuple(keys or ())


@cache
def _ring(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            f"ENCRYPTION_KEYS is empty: set it to one or more Fernet keys ({_MAKE_A_KEY})."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, binascii.Error) as exc:
        raise ImproperlyConfigured(
            f"ENCRYPTION_KEYS holds a key that is not a Fernet key: {exc} ({_MAKE_A_KEY})."
        ) from None


def ring() -> MultiFernet:
    """The configured ring; ImproperlyConfigured when no key is set or one is malformed."""
    return _ring(configured_keys())


def encrypt(value: str) -> str:
    return ring().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    """The plaintext; raises InvalidToken when no configured key can read it."""
    return ring().decrypt(value.encode()).decode()


def rotate(value: str) -> str:
    """Re-encrypt with the first (newest) key; raises InvalidToken when no key can read it."""
    return ring().rotate(value.encode()).decode()


def is_token(value: str) -> bool:
    """Whether `value` is a Fernet token, whichever key made it. The secrets stored here in
    plaintext before (base32 TOTP secrets, hex recovery seeds) can never look like one."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, binascii.Error):
        return False
    return len(raw) >= _TOKEN_MIN_BYTES and raw[0] == _TOKEN_VERSION


def ensure_encrypted(value: str) -> str:
    """`value` encrypted once: plaintext is encrypted, a token the ring reads is kept as it
    is, and a token it cannot read (made with a key no longer configured) is refused."""
    if not is_token(value):
        return encrypt(value)
    try:
        decrypt(value)
    except InvalidToken:
        raise ImproperlyConfigured(
            "A value encrypted at rest cannot be read with any key in ENCRYPTION_KEYS: put "
            "back the key it was encrypted with."
        ) from None
    return value


# --- The registry of encrypted columns ----------------------------------------------------


@dataclass(frozen=True)
class EncryptedColumn:
    """A column holding ring-encrypted text: the whole value, or, with `json_keys`, those
    keys of a JSON object, each a token or a list of tokens (other keys are left alone)."""

    model: str  # "app_label.ModelName"
    field: str
    json_keys: tuple[str, ...] = ()

    def map(self, value: Any, transform: Callable[[str], str]) -> Any:
        """The column's value with `transform` applied to each encrypted string in it."""
        if not self.json_keys:
            return transform(value) if value else value
        if not isinstance(value, dict):
            return value
        mapped = dict(value)
        for key in self.json_keys:
            item = mapped.get(key)
            if isinstance(item, str):
                mapped[key] = transform(item)
            elif isinstance(item, list):
                mapped[key] = [transform(part) for part in item]
        return mapped

    def __str__(self) -> str:
        return f"{self.model}.{self.field}"


_columns: dict[tuple[str, str], EncryptedColumn] = {}


def register_encrypted_column(
    model: str, field: str, *, json_keys: Iterable[str] = ()
) -> EncryptedColumn:
    """Declare a column the ring encrypts (from the owning app's `AppConfig.ready()`), so
    `rotate_keys` re-encrypts it. Registering the same column again is harmless."""
    column = EncryptedColumn(model, field, tuple(json_keys))
    known = _columns.setdefault((model, field), column)
    if known != column:
        raise ImproperlyConfigured(f"{model}.{field} is already registered as {known!r}.")
    return column


def encrypted_columns() -> tuple[EncryptedColumn, ...]:
    return tuple(_columns.values())


# --- System checks ------------------------------------------------------------------------


@checks.register(checks.Tags.security)
def check_encryption_keys(**kwargs: object) -> list[checks.CheckMessage]:
    """A malformed key fails `check` (and so every start) instead of the first sign-in."""
    messages: list[checks.CheckMessage] = []
    if configured_keys():
        try:
            ring()
        except ImproperlyConfigured as exc:
            messages.append(checks.Error(str(exc), id="core.E001"))
    if getattr(settings, "SCAN_TOKEN_KEYS", None):
        ignored = " (ignored: ENCRYPTION_KEYS is set)" if settings.ENCRYPTION_KEYS else ""
        messages.append(
            checks.Warning(
                f"SCAN_TOKEN_KEYS is deprecated{ignored}.",
                hint="Rename it to ENCRYPTION_KEYS: the same keys, in the same order.",
                id="core.W001",
            )
        )
    return messages


@checks.register(checks.Tags.security, deploy=True)
def check_encryption_keys_for_deploy(**kwargs: object) -> list[checks.CheckMessage]:
    if configured_keys():
        return []
    return [
        checks.Warning(
            "ENCRYPTION_KEYS is empty: turning on two-factor authentication and saving "
            "repository tokens will fail.",
            hint=f"Set ENCRYPTION_KEYS to one or more Fernet keys; {_MAKE_A_KEY}.",
            id="core.W002",
        )
    ]


__all__ = [
    "EncryptedColumn",
    "InvalidToken",
    "configured_keys",
    "decrypt",
    "encrypt",
    "encrypted_columns",
    "ensure_encrypted",
    "is_token",
    "register_encrypted_column",
    "ring",
    "rotate",
]
