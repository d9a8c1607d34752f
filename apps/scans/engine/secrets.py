"""Secret detection: provider key formats, private keys, signing secrets and high-entropy values
assigned to secret-like names, with allow rules for placeholders and documentation examples.

A match never keeps the secret itself: only a redacted form (a recognisable prefix and the last
four characters) and a SHA-256 fingerprint of the value, which lets rescans tell a rotated key
from the same key moved to another line.

Speed comes from substring searches (str.find, `in`, and regular expressions that start with a
literal) rather than expressions with alternatives, which Python's engine runs slowly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from .model import Severity
from .textutil import LineIndex

# --- allow rules -------------------------------------------------------------------------------

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


def _is_repetitive(body: str) -> bool:
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
    return _is_repetitive(body) or _has_sequence(body)


# --- redaction ---------------------------------------------------------------------------------


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


# --- matches -----------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class _Pattern:
    rule_id: str
    description: str
    regex: re.Pattern[str]
    markers: tuple[str, ...]  # case-sensitive substrings, at least one must be in the text
    severity: Severity
    prefix: Callable[[str], str] = lambda value: ""
    # Returns the description to report (possibly refined), or None to drop the match.
    check: Callable[[str, str], str | None] | None = None
    group: int | str = 0


def _literal_prefix(*prefixes: str) -> Callable[[str], str]:
    def prefix(value: str) -> str:
        return next((p for p in prefixes if value.startswith(p)), "")

    return prefix


def _random_body(prefix_len: int, min_entropy: float = 3.0) -> Callable[[str, str], str | None]:
    def check(value: str, description: str) -> str | None:
        body = value[prefix_len:]
        if is_placeholder(value, body=body) or shannon_entropy(body) < min_entropy:
            return None
        return description

    return check


def _stripe_check(value: str, description: str) -> str | None:
    body = value.split("_", 2)[-1]
    if is_placeholder(value, body=body) or shannon_entropy(body) < 3.0:
        return None
    if value.startswith("whsec_"):
        return "Stripe webhook signing secret"
    kind = "restricted" if value.startswith("rk_") else "secret"
    mode = "live" if "_live_" in value else "test"
    return f"Stripe {mode} {kind} key"


def _stripe_severity(value: str) -> Severity:
    return Severity.CRITICAL if "_live_" in value or value.startswith("whsec_") else Severity.MEDIUM


def _b64url_json(segment: str) -> dict | None:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def jwt_claims(token: str) -> dict | None:
    """The payload of a JWT, decoded without verifying anything, or None if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    return _b64url_json(parts[1])


def _supabase_jwt_check(value: str, description: str) -> str | None:
    claims = jwt_claims(value)
    if not claims or claims.get("role") != "service_role":
        # Anon keys are meant for browsers; other JWTs are not Supabase keys.
        return None
    if claims.get("iss") == "supabase-demo":
        # The fixed key every `supabase start` prints for local development: public.
        return None
    return description


_OPENAI_PREFIXES = ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-", "sk-")


def _openai_check(value: str, description: str) -> str | None:
    prefix = next(p for p in _OPENAI_PREFIXES if value.startswith(p))
    body = value[len(prefix) :]
    if is_placeholder(value, body=body) or shannon_entropy(body) < 3.5:
        return None
    if not (re.search(r"\d", body) and re.search(r"[A-Za-z]", body)):
        return None
    if prefix != "sk-" or "T3BlbkFJ" in body:
        return "OpenAI API key"
    return "OpenAI-style API key (sk-…)"


def _mixed_random(prefix_len: int) -> Callable[[str, str], str | None]:
    """For short prefixes that also start ordinary identifiers ("re_"): demand key-like text."""
    random_body = _random_body(prefix_len, 3.5)

    def check(value: str, description: str) -> str | None:
        body = value[prefix_len:]
        if not (re.search(r"\d", body) and re.search(r"[a-z]", body) and re.search(r"[A-Z]", body)):
            return None
        return random_body(value, description)

    return check


_COMMON_DB_PASSWORDS = frozenset(
    {"password", "pass", "passwd", "secret", "postgres", "root", "admin", "user", "mysql", "pwd"}
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal"})  # noqa: S104
_DB_URL = re.compile(
    r"\b(?P<scheme>postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql)://"
    r"(?P<user>[^:/\s@\"'`]{1,64}):(?P<password>[^@/\s\"'`]{3,128})@(?P<host>[^/\s\"'`:?,]+)"
)

# Each regular expression starts with a literal (look-behind checks come after it), so that
# the engine's prefix search skips through text at the speed of `in`; `markers`, when given,
# are cheaper still and let a whole file be skipped without running the expression at all.
PATTERNS: tuple[_Pattern, ...] = (
    _Pattern(
        "secrets.aws-access-key",
        "AWS access key ID",
        re.compile(r"A(?:KIA|SIA)(?<![A-Z0-9]A...)[A-Z0-9]{16}(?![A-Z0-9])"),
        ("AKIA", "ASIA"),
        Severity.CRITICAL,
        prefix=lambda value: value[:4],
        check=_random_body(4, 2.5),
    ),
    _Pattern(
        "secrets.google-api-key",
        "Google API key",
        re.compile(r"AIza(?<![\w\-]AIza)[0-9A-Za-z_\-]{35}(?![\w\-])"),
        ("AIza",),
        Severity.MEDIUM,
        prefix=lambda value: "AIza",
        check=_random_body(4),
    ),
    _Pattern(
        "secrets.stripe-key",
        "Stripe key",
        re.compile(r"[sr]k_(?:live|test)_(?<!\w[sr]k_(?:live|test)_)[0-9A-Za-z]{10,247}(?!\w)"),
        ("_live_", "_test_"),
        Severity.CRITICAL,
        prefix=_literal_prefix("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
        check=_stripe_check,
    ),
    _Pattern(
        "secrets.stripe-key",
        "Stripe webhook signing secret",
        re.compile(r"whsec_(?<!\wwhsec_)[A-Za-z0-9+/=]{24,}"),
        ("whsec_",),
        Severity.CRITICAL,
        prefix=lambda value: "whsec_",
        check=_stripe_check,
    ),
    _Pattern(
        "secrets.openai-key",
        "OpenAI API key",
        re.compile(
            r"sk-(?<![\w\-]sk-)(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,250}"
            r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{32,100})(?![\w\-])"
        ),
        ("sk-",),
        Severity.CRITICAL,
        prefix=_literal_prefix("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"),
        check=_openai_check,
    ),
    _Pattern(
        "secrets.anthropic-key",
        "Anthropic API key",
        re.compile(r"sk-ant-(?<![\w\-]sk-ant-)(?:api|admin|sid)\d{2}-[A-Za-z0-9_\-]{32,200}"),
        ("sk-",),
        Severity.CRITICAL,
        prefix=lambda value: value[:13],
        check=_random_body(13, 3.5),
    ),
    _Pattern(
        "secrets.github-token",
        "GitHub token",
        re.compile(r"gh[pousr]_(?<!\wgh._)[A-Za-z0-9]{36,251}(?!\w)"),
        (),
        Severity.CRITICAL,
        prefix=lambda value: value[:4],
        check=_random_body(4, 3.0),
    ),
    _Pattern(
        "secrets.github-token",
        "GitHub fine-grained token",
        re.compile(r"github_pat_(?<!\wgithub_pat_)[A-Za-z0-9_]{50,251}(?!\w)"),
        ("github_pat_",),
        Severity.CRITICAL,
        prefix=lambda value: "github_pat_",
        check=_random_body(11, 3.0),
    ),
    _Pattern(
        "secrets.slack-token",
        "Slack token",
        re.compile(r"xox[abposre]-(?<![A-Za-z0-9]xox.-)[A-Za-z0-9-]{10,250}"),
        ("xox",),
        Severity.HIGH,
        prefix=lambda value: value[:5],
        check=_random_body(5, 3.0),
    ),
    _Pattern(
        "secrets.slack-webhook",
        "Slack incoming webhook URL",
        re.compile(
            r"https://hooks\.slack\.com/(?:services|workflows|triggers)/"
            r"[A-Za-z0-9+/]{8,}/[A-Za-z0-9+/]{8,}(?:/[A-Za-z0-9+/]{16,})?"
        ),
        ("hooks.slack.com",),
        Severity.HIGH,
        prefix=lambda value: "https://hooks.slack.com/",
        check=_random_body(24, 3.0),
    ),
    _Pattern(
        "secrets.supabase-service-role",
        "Supabase service-role key (JWT with role service_role)",
        re.compile(
            r"eyJ(?<![\w\-]eyJ)[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"
        ),
        ("eyJ",),
        Severity.CRITICAL,
        prefix=lambda value: "eyJ",
        check=_supabase_jwt_check,
    ),
    _Pattern(
        "secrets.supabase-service-role",
        "Supabase secret API key",
        re.compile(r"sb_secret_(?<!\wsb_secret_)[A-Za-z0-9_\-]{20,}"),
        ("sb_secret_",),
        Severity.CRITICAL,
        prefix=lambda value: "sb_secret_",
        check=_random_body(10, 3.0),
    ),
    _Pattern(
        "secrets.provider-token",
        "SendGrid API key",
        re.compile(r"SG\.(?<!\wSG\.)[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}(?![\w\-])"),
        ("SG.",),
        Severity.HIGH,
        prefix=lambda value: "SG.",
        check=_random_body(3, 3.5),
    ),
    _Pattern(
        "secrets.provider-token",
        "Twilio API key",
        re.compile(r"SK(?<!\wSK)[0-9a-f]{32}(?!\w)"),
        (),
        Severity.HIGH,
        prefix=lambda value: "SK",
        check=_random_body(2, 3.0),
    ),
    _Pattern(
        "secrets.provider-token",
        "Mailgun API key",
        re.compile(r"key-(?<![\w\-]key-)[0-9a-f]{32}(?!\w)"),
        (),
        Severity.HIGH,
        prefix=lambda value: "key-",
        check=_random_body(4, 3.0),
    ),
    _Pattern(
        "secrets.provider-token",
        "npm access token",
        re.compile(r"npm_(?<!\wnpm_)[A-Za-z0-9]{36}(?!\w)"),
        (),
        Severity.HIGH,
        prefix=lambda value: "npm_",
        check=_random_body(4, 3.0),
    ),
    _Pattern(
        "secrets.provider-token",
        "Hugging Face token",
        re.compile(r"hf_(?<!\whf_)[A-Za-z0-9]{34,40}(?!\w)"),
        (),
        Severity.HIGH,
        prefix=lambda value: "hf_",
        check=_mixed_random(3),
    ),
    _Pattern(
        "secrets.provider-token",
        "GitLab personal access token",
        re.compile(r"glpat-(?<![\w\-]glpat-)[A-Za-z0-9_\-]{20,}(?![\w\-])"),
        (),
        Severity.HIGH,
        prefix=lambda value: "glpat-",
        check=_random_body(6, 3.0),
    ),
    _Pattern(
        "secrets.provider-token",
        "Shopify access token",
        re.compile(r"shp(?:at|ss|ca|pa)_(?<!\wshp.._)[a-fA-F0-9]{32}(?!\w)"),
        (),
        Severity.HIGH,
        prefix=lambda value: value[:6],
        check=_random_body(6, 3.0),
    ),
    _Pattern(
        "secrets.provider-token",
        "Google OAuth client secret",
        re.compile(r"GOCSPX-(?<![\w\-]GOCSPX-)[A-Za-z0-9_\-]{28}(?![\w\-])"),
        (),
        Severity.HIGH,
        prefix=lambda value: "GOCSPX-",
        check=_random_body(7, 3.0),
    ),
    _Pattern(
        "secrets.provider-token",
        "Resend API key",
        re.compile(r"re_(?<!\wre_)[A-Za-z0-9]{8}_[A-Za-z0-9]{24}(?!\w)"),
        (),
        Severity.HIGH,
        prefix=lambda value: "re_",
        check=_mixed_random(3),
    ),
)

_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?)PRIVATE KEY"
    r"(?: BLOCK)?-----"
)
_PEM_HEADER_LINE = re.compile(r"(?:Proc-Type|DEK-Info|Comment|Version):[^\n\\]*")
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")
_PEM_ESCAPES = re.compile(r"\\[nrt]")
# Base64 lines, whitespace, and what joins string literals across lines: quotes, "+", ",".
_PEM_INNER = re.compile(r"[A-Za-z0-9+/=\s\"',`]*")

# --- assignments to secret-like names ----------------------------------------------------------

_SECRET_WORD = re.compile(
    r"secret|token|passw|pwd|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|auth[_\-]?key"
    r"|credential|signing[_\-]?key|encryption[_\-]?key|session[_\-]?key|jwt"
)
_JWT_SIGN_CALL = re.compile(
    r"\bjwt\.(?:sign|verify|encode|decode)\(\s*[^,()]{1,200},\s*(?P<q>[\"'`])(?P<value>[^\"'`\n]{6,300})(?P=q)"
)
_SIGNING_SECRET_NAME = re.compile(
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
_LETTERS_ONLY = re.compile(r"[A-Za-z]+")
_DOTTED_WORDS = re.compile(r"[A-Za-z]+(?:[._:\-][A-Za-z]+)+")
_DIGIT = re.compile(r"\d")
_HEX = re.compile(r"[0-9a-fA-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PRE_ASSIGNED_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[\"']?\]?\s*(?::=|=>|=|:)\s*[\"'`]?$")

# Files where values are written bare (KEY=value), so unquoted values count as literals.
_BARE_VALUE_SUFFIXES = frozenset(
    {".env", ".yml", ".yaml", ".ini", ".cfg", ".conf", ".properties", ".toml", ".sh", ".bash"}
)
_DOC_SUFFIXES = frozenset({".md", ".mdx", ".rst", ".txt", ".adoc", ".html", ".htm"})
_EXAMPLE_MARKERS = frozenset(
    {"example", "examples", "sample", "template", "dist", "defaults", "tmpl", "tpl"}
)
_NAME_TOKENS = re.compile(r"[._\-]+")
_TEST_SEGMENTS = frozenset(
    {"test", "tests", "__tests__", "spec", "specs", "fixtures", "fixture", "__mocks__", "mocks",
     "e2e", "cypress", "testdata", "test-data", "__fixtures__", "stories"}
)  # fmt: skip


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


def is_example_file(lname: str) -> bool:
    """`.env.example`, `example.env`, `.env.sample`, `config.template.yml` and the like."""
    return any(token in _EXAMPLE_MARKERS for token in _NAME_TOKENS.split(lname))


_NOT_ENV_SUFFIXES = frozenset(
    {".js", ".ts", ".mjs", ".cjs", ".py", ".json", ".md", ".d.ts", ".vault", ".sh", ".yml", ".yaml"}
)


def is_env_file(lname: str) -> bool:
    """`.env`, `.env.local`, `.env.production`, `prod.env`; not `.env.ts` (code) nor
    `.env.vault` (dotenv-vault's encrypted file, meant to be committed)."""
    if lname == ".env" or lname.endswith(".env"):
        return True
    return lname.startswith(".env.") and lname[lname.rfind(".") :] not in _NOT_ENV_SUFFIXES


def is_test_path(path: str) -> bool:
    lowered = path.lower()
    segments = lowered.split("/")
    name = segments[-1]
    return (
        any(segment in _TEST_SEGMENTS for segment in segments[:-1])
        or ".test." in name
        or ".spec." in name
        or name.startswith("test_")
        or name.endswith(("_test.py", "_test.go", "_spec.rb", ".stories.tsx", ".stories.jsx"))
        or name == "conftest.py"
    )


def _generic_value_ok(value: str, normalised_name: str) -> bool:
    """A value assigned to a secret-like name that looks like a real credential."""
    if len(value) < 8 or len(value) > 400 or any(c.isspace() for c in value):
        return False
    if value.startswith(("/", "./", "../", "~", "#", "@", "data:", "arn:")) or "://" in value:
        return False  # paths, colours, ARNs and URLs (credentials in URLs: database-url)
    if "@" in value and "." in value.split("@")[-1]:  # an email address
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9_]+", value):  # another variable's name
        return False
    if re.fullmatch(r"[\w.\-]+\.(?:js|ts|py|json|pem|key|txt|yml|yaml|env)", value):
        return False
    if _LETTERS_ONLY.fullmatch(value) or _DOTTED_WORDS.fullmatch(value):
        # Words are labels, identifiers and local-development passwords ("postgres").
        return False
    entropy = shannon_entropy(value)
    if "passw" in normalised_name or normalised_name.endswith("pwd"):
        return entropy >= 2.8
    if _UUID.fullmatch(value):
        return True
    if _HEX.fullmatch(value):
        return len(value) >= 16 and entropy >= 3.0
    # Random tokens mix letters and digits; "api_token.created" or "refreshTokenKey" do not.
    return len(value) >= 16 and entropy >= 3.5 and bool(_DIGIT.search(value))


_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(65, 91)})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.-")
_IDENT_FORWARD = re.compile(r"[\w$.\-]{0,200}")
_AFTER_NAME_FIRST = frozenset("\"']:= \t")
# After a secret-like name: closing quote or bracket, an optional type annotation, the
# assignment operator, then a quoted or bare value.
_AFTER_NAME = re.compile(
    r"[\"']?\]?"
    r"(?:\s*:\s*[A-Za-z_][\w.\[\]| ]{0,60}?(?=\s*=[^=]))?"
    r"\s*(?::=|=>|(?<![=!<>])=(?!=)|:(?![:/]))"
    r"\s*(?P<value>\"[^\"\n]{0,400}\"|'[^'\n]{0,400}'|`[^`\n]{0,400}`|[^\s,;#'\"`)}\]]{1,400})"
)
# Substrings of every secret-like name (see _SECRET_WORD), searched with str.find: far faster
# than a regular expression with alternatives over megabytes of code.
_NAME_KEYWORDS = ("secret", "token", "passw", "pwd", "key", "credential", "jwt")
_AWS_SECRET_NAME = re.compile(r"(?:^|_)(?:aws_)?secret_access_key$|aws_secret(?:_key)?$")
_AWS_SECRET_VALUE = re.compile(r"[A-Za-z0-9/+]{40}")


def lower_same_length(text: str) -> str:
    """Lower-cased text whose offsets still match `text` (str.lower can lengthen a few
    non-ASCII characters, so those files are lowered for ASCII only)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


@dataclass(slots=True)
class SecretDetector:
    """Scans one file's text at a time; holds no state between files."""

    max_matches_per_file: int = 50

    def scan(
        self, path: str, lname: str, suffix: str, text: str, lowered: str | None = None
    ) -> list[SecretMatch]:
        example = is_example_file(lname)
        scan = _FileScan(self.max_matches_per_file, path, text)

        present: dict[str, bool] = {}  # marker -> in this text; patterns share some markers
        for pattern in PATTERNS:
            if pattern.markers and not any(
                present[m] if m in present else present.setdefault(m, m in text)
                for m in pattern.markers
            ):
                continue
            for m in pattern.regex.finditer(text):
                value = m.group(pattern.group)
                description = pattern.description
                # Claimed even when dropped below: a placeholder or a public key recognised by
                # its format must not come back through the generic high-entropy pass.
                scan.taken.append(m.span(pattern.group))
                if pattern.check is not None:
                    refined = pattern.check(value, description)
                    if refined is None:
                        continue
                    description = refined
                elif is_placeholder(value):
                    continue
                start, end = m.span(pattern.group)
                variable = _assigned_name(text, start)
                if pattern.rule_id == "secrets.google-api-key" and _is_firebase_web_key(
                    lname, text, variable
                ):
                    continue
                severity = pattern.severity
                if pattern.rule_id == "secrets.stripe-key":
                    severity = _stripe_severity(value)
                    if variable and "clerk" in variable.lower():
                        # Clerk's secret keys share Stripe's sk_live_/sk_test_ prefixes.
                        description = description.replace("Stripe", "Clerk")
                scan.add(
                    pattern.rule_id,
                    description,
                    start,
                    end,
                    redact(value, pattern.prefix(value)),
                    fingerprint(value),
                    severity,
                    variable=variable,
                    example=example,
                )

        if "PRIVATE KEY" in text:
            for m in _PRIVATE_KEY.finditer(text):
                body = _pem_body(text, m.end())
                if body is None:
                    continue
                kind = m.group("kind").strip()
                label = f"{kind} private key" if kind else "private key"
                scan.add(
                    "secrets.private-key",
                    label[0].upper() + label[1:],
                    m.start(),
                    m.end(),
                    f"-----BEGIN {kind + ' ' if kind else ''}PRIVATE KEY-----…",
                    fingerprint(body),
                    Severity.CRITICAL,
                    variable=_assigned_name(text, m.start()),
                    example=example,
                )

        if "://" in text and "@" in text:
            for m in _DB_URL.finditer(text):
                password = m.group("password")
                host = m.group("host").lower()
                if (
                    host in _LOCAL_HOSTS
                    or "." not in host  # a compose service name: a local development default
                    or looks_like_placeholder_text(host)
                    or password.lower() in _COMMON_DB_PASSWORDS
                    or looks_like_placeholder_text(password)
                    or _is_repetitive(password)
                ):
                    continue
                scan.add(
                    "secrets.database-url",
                    "Database connection string with a password",
                    *m.span("password"),
                    f"{m.group('scheme')}://{m.group('user')}:…@{m.group('host')}",
                    fingerprint(password),
                    Severity.HIGH,
                    variable=_assigned_name(text, m.start()),
                    example=example,
                )

        if not example and suffix not in _DOC_SUFFIXES:
            if lowered is None:
                lowered = lower_same_length(text)
            _scan_assignments(scan, lname, suffix, text, lowered)
        return scan.found


@dataclass(slots=True)
class _FileScan:
    """The matches of one file, with the spans already claimed (so the name-based pass does
    not report again what a provider pattern found) and lazily computed line numbers."""

    limit: int
    path: str
    text: str
    found: list[SecretMatch] = field(default_factory=list)
    taken: list[tuple[int, int]] = field(default_factory=list)
    _index: LineIndex | None = None

    def overlaps(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.taken)

    def add(
        self,
        rule_id: str,
        description: str,
        start: int,
        end: int,
        redacted: str,
        digest: str,
        severity: Severity,
        *,
        variable: str | None = None,
        example: bool = False,
    ) -> None:
        self.taken.append((start, end))
        if len(self.found) >= self.limit:
            return
        if self._index is None:
            self._index = LineIndex(self.text)
        self.found.append(
            SecretMatch(
                rule_id=rule_id,
                description=description,
                path=self.path,
                line=self._index.line(start),
                redacted=redacted,
                fingerprint=digest,
                severity=severity,
                variable=variable,
                in_example=example,
            )
        )


def _scan_assignments(scan: _FileScan, lname: str, suffix: str, text: str, lowered: str) -> None:
    """Values assigned to secret-like names: signing secrets, AWS secret keys, and anything
    random-looking (by Shannon entropy) under a name such as api_key, token or password."""
    bare_file = (
        suffix in _BARE_VALUE_SUFFIXES
        or is_env_file(lname)
        or lname in {"dockerfile", "credentials", "procfile"}
    )
    test_file = is_test_path(scan.path)
    seen: set[int] = set()
    for keyword in _NAME_KEYWORDS:
        pos = lowered.find(keyword)
        while pos != -1:
            start = pos
            while start > 0 and text[start - 1] in _NAME_CHARS and pos - start < 100:
                start -= 1
            if start not in seen:
                seen.add(start)
                _check_assignment(scan, text, start, bare_file=bare_file, test_file=test_file)
            pos = lowered.find(keyword, pos + len(keyword))
    if "jwt." in lowered:
        for m in _JWT_SIGN_CALL.finditer(text):
            value = m.group("value")
            start, end = m.span("value")
            if len(value) < 8 or is_placeholder(value) or scan.overlaps(start, end):
                continue
            scan.add(
                "secrets.jwt-secret",
                "JWT signed or verified with a literal secret",
                start,
                end,
                redact(value),
                fingerprint(value),
                Severity.HIGH,
            )


def _check_assignment(
    scan: _FileScan, text: str, start: int, *, bare_file: bool, test_file: bool
) -> None:
    name_end = _IDENT_FORWARD.match(text, start).end()
    # Cheapest tests first: most names holding "key" or "token" are not being assigned to.
    if name_end >= len(text) or text[name_end] not in _AFTER_NAME_FIRST:
        return
    m = _AFTER_NAME.match(text, name_end)
    if m is None:
        return
    raw = m.group("value")
    quoted = raw[:1] in "\"'`"
    if not quoted and not bare_file:
        return
    name = text[start:name_end].strip(".-")
    if not name or not is_secret_name(name):
        return
    value = raw[1:-1] if quoted else raw
    value_start, value_end = m.span("value")
    if scan.overlaps(value_start, value_end) or is_placeholder(value):
        return
    normalised = normalise_name(name)
    variable = name.rsplit(".", 1)[-1]
    if _AWS_SECRET_NAME.search(normalised) and _AWS_SECRET_VALUE.fullmatch(value):
        if shannon_entropy(value) < 3.5:
            return
        rule_id, description, severity = (
            "secrets.aws-secret-key",
            "AWS secret access key",
            Severity.CRITICAL,
        )
    elif _SIGNING_SECRET_NAME.search(normalised):
        if len(value) < 8 or (test_file and shannon_entropy(value) < 3.5):
            return
        rule_id, description, severity = (
            "secrets.jwt-secret",
            "Hard-coded JWT or session signing secret",
            Severity.HIGH,
        )
    elif test_file or not _generic_value_ok(value, normalised):
        return
    else:
        rule_id, description, severity = (
            "secrets.generic-secret",
            "High-entropy value assigned to a secret-like name",
            Severity.HIGH,
        )
    scan.add(
        rule_id,
        description,
        value_start,
        value_end,
        redact(value),
        fingerprint(value),
        severity,
        variable=variable,
    )


def _assigned_name(text: str, pos: int) -> str | None:
    """The variable a value is assigned to on its own line (`VITE_KEY=` before it), if any."""
    line_start = text.rfind("\n", 0, pos) + 1
    prefix = text[max(line_start, pos - 200) : pos]
    m = _PRE_ASSIGNED_NAME.search(prefix)
    return m.group(1) if m else None


def _is_firebase_web_key(lname: str, text: str, variable: str | None) -> bool:
    """Firebase web config keys identify a project and are meant to ship to browsers."""
    if lname in {"google-services.json", "googleservice-info.plist"}:
        return True
    if variable and "firebase" in variable.lower():
        return True
    return "authDomain" in text and ("projectId" in text or "messagingSenderId" in text)


def _pem_body(text: str, start: int) -> str | None:
    """The base64 body between a BEGIN marker and its END marker, if it is real key material:
    nothing but base64 lines (possibly inside string literals, with escaped newlines), long
    and close to random. Code or prose after a marker, `...` or "<your key>" are not keys."""
    window = text[start : start + 8000]
    end = window.find("-----END")
    if end == -1:
        return None
    inner = _PEM_ESCAPES.sub(" ", _PEM_HEADER_LINE.sub("", window[:end]))
    if not _PEM_INNER.fullmatch(inner):
        return None
    body = _NOT_BASE64.sub("", inner)
    if len(body) < 64 or shannon_entropy(body) < 4.5 or _is_repetitive(body[:64]):
        return None
    return body
