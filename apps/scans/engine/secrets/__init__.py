"""Secret detection: provider key formats, private keys, signing secrets and high-entropy values
assigned to secret-like names, with allow rules for placeholders and documentation examples.

A match never keeps the secret itself: only a redacted form (a recognisable prefix and the last
four characters) and a SHA-256 fingerprint of the value, which lets rescans tell a rotated key
from the same key moved to another line.

Speed comes from substring searches (str.find, `in`, and regular expressions that start with a
literal) rather than expressions with alternatives, which Python's engine runs slowly.

`patterns` says what a secret looks like, `names` which names hold one, `allow` what only
looks like one, `paths` which files change the verdict, and `detector` scans a file.
"""

from .allow import (
    KNOWN_DOCUMENTATION_KEYS,
    is_placeholder,
    looks_like_placeholder_text,
    shannon_entropy,
)
from .detector import SecretDetector, lower_same_length
from .match import SecretMatch, fingerprint, fingerprint_hex, redact
from .names import is_secret_name, normalise_name
from .paths import is_env_file, is_example_file, is_test_path
from .patterns import PATTERNS, jwt_claims

__all__ = [
    "KNOWN_DOCUMENTATION_KEYS",
    "PATTERNS",
    "SecretDetector",
    "SecretMatch",
    "fingerprint",
    "fingerprint_hex",
    "is_env_file",
    "is_example_file",
    "is_placeholder",
    "is_secret_name",
    "is_test_path",
    "jwt_claims",
    "looks_like_placeholder_text",
    "lower_same_length",
    "normalise_name",
    "redact",
    "shannon_entropy",
]
