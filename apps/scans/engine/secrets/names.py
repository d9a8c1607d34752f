"""Secret-like names (`api_key`, `JWT_SECRET`, `stripeToken`), and those that only look like
one (`token_url`, `is_secret`, `password_hint`)."""

from __future__ import annotations

import re

_SECRET_WORD = re.compile(
    r"secret|token|passw|(?:^|_)pass(?:_|$)|passphrase|pwd|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|auth[_\-]?key"
    r"|credential|signing[_\-]?key|encryption[_\-]?key|session[_\-]?key|jwt"
)
SIGNING_SECRET_NAME = re.compile(
    r"jwt.*(?:secret|key)|(?:secret|signing).*jwt|(?:^|_)(?:next)?auth_secret|session_secret"
    r"|cookie_secret|secret_key_base|^(?:django_|flask_|app_)?secret_key$|token_secret"
    r"|signing_(?:key|secret)|supabase_jwt"
)
_NAME_EXCLUDED_SUFFIXES = (
    "_name", "_type", "_url", "_uri", "_path", "_file", "_header", "_field", "_length", "_len",
    "_expiry", "_expires", "_expires_in", "_expiration", "_ttl", "_prefix", "_suffix", "_env",
    "_var", "_id", "_count", "_timeout", "_regex", "_pattern", "_endpoint", "_label",
    "_placeholder", "_message", "_msg", "_error", "_text", "_title", "_hint", "_storage_key",
    "_cookie", "_param", "_policy", "_mode", "_enabled", "_required", "_min", "_max", "_hash",
    "_status", "_version", "_class", "_route", "_query", "_description", "_input", "_button",
    "_icon", "_reset", "_confirmation", "_confirm", "_strength", "_validation", "_schema",
    "_form", "_format", "_location", "_method", "_key_name", "_lifetime", "_age", "_rotation",
    "_provider", "_source", "_store", "_changed", "_visible", "_ref", "_dir", "_arn",
)  # fmt: skip
_NAME_EXCLUDED_PREFIXES = (
    "is_", "has_", "show_", "use_", "set_", "get_", "on_", "handle_", "validate_", "forgot_",
    "reset_", "toggle_", "confirm_", "new_", "old_", "current_", "verify_", "refresh_token_url",
    "enable_", "should_", "can_",
)  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Substrings of every secret-like name (see _SECRET_WORD), searched with str.find: far faster
# than a regular expression with alternatives over megabytes of code.
NAME_KEYWORDS = ("secret", "token", "pass", "pwd", "key", "credential", "jwt")
_PASSWORD_WORD = re.compile(r"passw|(?:^|_)pass(?:_|$)|passphrase|pwd$")
AWS_SECRET_NAME = re.compile(r"(?:^|_)(?:aws_)?secret_access_key$|aws_secret(?:_key)?$")
AWS_SECRET_VALUE = re.compile(r"[A-Za-z0-9/+]{40}")


def normalise_name(name: str) -> str:
    """`apiKey`, `API-KEY` and `api_key` all become `api_key`."""
    return _CAMEL.sub("_", name.rsplit(".", 1)[-1]).lower().replace("-", "_").strip("_$")


def is_secret_name(name: str) -> bool:
    normalised = normalise_name(name)
    if not _SECRET_WORD.search(normalised):
        return False
    return not (
        normalised.endswith(_NAME_EXCLUDED_SUFFIXES)
        or normalised.startswith(_NAME_EXCLUDED_PREFIXES)
    )


def is_password_name(normalised: str) -> bool:
    """`password`, `DB_PASS`, `adminPassword`, `smtp_pwd` (already normalised)."""
    return bool(_PASSWORD_WORD.search(normalised))
