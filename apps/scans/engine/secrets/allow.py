"""Allow rules: what looks like a secret but is not one. Placeholders and template syntax,
repeated or sequential characters, keys published in providers' documentation, local
development database addresses, public browser keys, and values too plain to be credentials."""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import pairwise

from .match import fingerprint_hex
from .names import is_password_name

_PLACEHOLDER_WORDS = (
    "your",
    "example",
    "sample",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "dummy",
    "fake",
    "xxxx",
    "replace",
    "insert",
    "redacted",
    "todo",
    "fixme",
    "foobar",
    "lorem",
    "notreal",
    "not_real",
    "not-real",
    "here",
    "mock",
    "secret_key_here",
    "put_",
    "enter_",
    "test_key",
    "testkey",
    "123456",
    "demo",
    "not-secret",
    "not_secret",
    "notsecret",
    "build-only",
)
_PLACEHOLDER_SYNTAX = re.compile(
    r"""^(?:<[^>]*>|\[[^\]]*\]|\{\{.*\}\}|\$\{.*\}|%\(.*\)s?|\$\(.*\)|\$[A-Za-z_]\w*|\*{3,}|\.{3,}|…)$"""
    r"""|process\.env|import\.meta\.env|os\.environ|getenv|Deno\.env|\benv\(|\bconfig\(|"""
    r"""secrets\.[A-Z_]|\$\{\{|\{\{|\$\{|<%=|\{[A-Za-z_]\w*(?:[.(\[}]|$)""",
    re.IGNORECASE,
)
_SEQUENCES = (
    "0123456789abcdefghijklmnopqrstuvwxyz",
    "abcdefghijklmnopqrstuvwxyz",
    "9876543210",
    "zyxwvutsrqponmlkjihgfedcba",
    "qwertyuiop",
    "asdfghjkl",
)
# SHA-256 of keys that providers publish in their own documentation (not secret, endlessly
# copied into tutorials); kept as hashes so this file holds no key-shaped literal.
KNOWN_DOCUMENTATION_KEYS: frozenset[str] = frozenset(
    {
        # Stripe's documentation test keys (sk_test_4eC3…, sk_test_BQok…).
        "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326",
        "f2d6ca16515033e5dce14eba840b979d27b5cbae24bb3e5bf484339667f86397",
    }
)


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution."""
    if not value:
        return 0.0
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in Counter(value).values())


def _has_sequence(body: str, run: int = 6) -> bool:
    lowered = body.lower()
    for sequence in _SEQUENCES:
        for i in range(len(sequence) - run + 1):
            if sequence[i : i + run] in lowered:
                return True
    return False


def is_repetitive(body: str) -> bool:
    if len(set(body)) < min(5, max(2, len(body) // 2)):
        return True
    # A short unit repeated: "abab…", "12341234…".
    for unit in range(1, 5):
        if len(body) >= unit * 3 and (body[:unit] * (len(body) // unit + 1))[: len(body)] == body:
            return True
    longest = 1
    current = 1
    for previous, char in pairwise(body):
        current = current + 1 if char == previous else 1
        longest = max(longest, current)
    return longest >= 6


def looks_like_placeholder_text(value: str) -> bool:
    """Template syntax, environment lookups or stand-in words, whatever the value's length."""
    if _PLACEHOLDER_SYNTAX.search(value):
        return True
    lowered = value.lower()
    return any(word in lowered for word in _PLACEHOLDER_WORDS)


def is_placeholder(value: str, *, body: str | None = None) -> bool:
    """Whether `value` is a stand-in rather than a credential: `YOUR_API_KEY`, `sk_test_xxx`,
    `${STRIPE_KEY}`, `process.env.X`, `<token>`, `changeme`, repeated or sequential characters,
    or a key that providers publish in their documentation.

    `body` is the part after a provider prefix ("sk_live_"), where randomness is expected.
    """
    stripped = value.strip().strip("\"'`")
    if not stripped or looks_like_placeholder_text(stripped):
        return True
    if fingerprint_hex(stripped) in KNOWN_DOCUMENTATION_KEYS:
        return True
    body = stripped if body is None else body
    if len(body) < 6:
        return True
    return is_repetitive(body) or _has_sequence(body)


_COMMON_DB_PASSWORDS = frozenset(
    {"password", "pass", "passwd", "secret", "postgres", "root", "admin", "user", "mysql", "pwd",
     "guest", "mongo", "redis", "rabbitmq", "test"}
)  # fmt: skip
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal"})  # noqa: S104
_PASSWORD_WORDS = frozenset({"password", "pass", "passwd", "pwd", "pw"})
_PLACEHOLDER_USERS = frozenset({"user", "username", "usr", "login", "name"})
_PLACEHOLDER_HOSTS = frozenset({"host", "hostname", "server", "domain", "cluster", "address"})
_LETTERS_ONLY = re.compile(r"[A-Za-z]+")
_DOTTED_WORDS = re.compile(r"[A-Za-z]+(?:[._:\-][A-Za-z]+)+")
_DIGIT = re.compile(r"\d")
_HEX = re.compile(r"[0-9a-fA-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def database_url_kind(user: str, password: str, host: str) -> str:
    """What the password of a connection string is, from the password and the host:

    - "placeholder": a stand-in (`${DB_PASSWORD}`, `<password>`, `[YOUR-PASSWORD]`,
      `changeme`, `****`): not a credential, not reported;
    - "local-default": a local development database (localhost, a compose service name) or a
      well-known default (`postgres:postgres`, `guest:guest`): reported low, since it works
      only on a developer's machine unless production copied it;
    - "weak-remote": a well-known default password on a real host: medium;
    - "secret": anything else: a real password for a real host, high.
    """
    host = host.lower()
    lowered = password.lower()
    if looks_like_placeholder_text(password) or is_repetitive(password):
        return "placeholder"
    if looks_like_placeholder_text(host) or host in _PLACEHOLDER_HOSTS:
        return "placeholder"
    local = host in _LOCAL_HOSTS or "." not in host
    if lowered in _PASSWORD_WORDS and (local or user.lower() in _PLACEHOLDER_USERS):
        return "placeholder"  # postgres://user:password@host/db, as documentation writes it
    if local:
        return "local-default"
    return "weak-remote" if lowered in _COMMON_DB_PASSWORDS else "secret"


# In a login call or a seed script a literal password is a working credential whatever it
# looks like ("demo123", "password"); only template syntax and obvious stand-ins are not.
_CREDENTIAL_STAND_INS = ("your", "placeholder", "replace", "changeme", "xxx", "enter_", "<")


def is_credential_stand_in(value: str) -> bool:
    stripped = value.strip()
    if len(stripped) < 3 or len(stripped) > 128 or any(c.isspace() for c in stripped):
        return True  # empty, or a label ("Enter your password") rather than a password
    if _PLACEHOLDER_SYNTAX.search(stripped):
        return True
    lowered = stripped.lower()
    return any(word in lowered for word in _CREDENTIAL_STAND_INS)


def generic_value_ok(value: str, normalised_name: str) -> bool:
    """A value assigned to a secret-like name that looks like a real credential."""
    if len(value) < 8 or len(value) > 400 or any(c.isspace() for c in value):
        return False
    if value.startswith(("/", "./", "../", "~", "#", "@", "data:", "arn:")) or "://" in value:
        return False  # paths, colours, ARNs and URLs (credentials in URLs: database-url)
    if "@" in value and "." in value.rsplit("@", maxsplit=1)[-1]:  # an email address
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9_]+", value):  # another variable's name
        return False
    if re.fullmatch(r"[\w.\-]+\.(?:js|ts|py|json|pem|key|txt|yml|yaml|env)", value):
        return False
    if _LETTERS_ONLY.fullmatch(value) or _DOTTED_WORDS.fullmatch(value):
        # Words are labels, identifiers and local-development passwords ("postgres").
        return False
    entropy = shannon_entropy(value)
    if is_password_name(normalised_name):
        return entropy >= 2.8
    if _UUID.fullmatch(value):
        return True
    if _HEX.fullmatch(value):
        return len(value) >= 16 and entropy >= 3.0
    # Random tokens mix letters and digits; "api_token.created" or "refreshTokenKey" do not.
    return len(value) >= 16 and entropy >= 3.5 and bool(_DIGIT.search(value))


def is_firebase_web_key(lname: str, text: str, variable: str | None) -> bool:
    """Firebase web config keys identify a project and are meant to ship to browsers."""
    if lname in {"google-services.json", "googleservice-info.plist"}:
        return True
    if variable and "firebase" in variable.lower():
        return True
    return "authDomain" in text and ("projectId" in text or "messagingSenderId" in text)
