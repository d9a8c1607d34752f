"""Repository tokens are encrypted with the one key ring of apps.core.crypto (ENCRYPTION_KEYS);
this module keeps the name the scans code reads them through."""

from apps.core.crypto import InvalidToken, decrypt, encrypt, rotate

__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]
