"""The secrets recognised by their format: provider keys (each with the check that tells a
real key from a stand-in), private key blocks, database URLs and JWT signing calls.

Each regular expression starts with a literal (look-behind checks come after it), so that
the engine's prefix search skips through text at the speed of `in`; `markers`, when given,
are cheaper still and let a whole file be skipped without running the expression at all."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Severity
from .allow import is_placeholder, shannon_entropy


@dataclass(frozen=True, slots=True)
class Pattern:
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


def stripe_severity(value: str) -> Severity:
    return Severity.CRITICAL if "_live_" in value or value.startswith("whsec_") else Severity.MEDIUM


def _b64url_json(segment: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def jwt_claims(token: str) -> dict[str, Any] | None:
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


def _keyed(
    rule_id: str,
    description: str,
    severity: Severity,
    regex: str,
    *,
    prefix: str | int,
    min_entropy: float = 3.0,
    markers: tuple[str, ...] = (),
    check: Callable[[str, str], str | None] | None = None,
) -> Pattern:
    """A key that starts with a fixed prefix (`npm_`), or with one of several prefixes of one
    length (`ghp_`, `gho_`: 4). It is redacted after that prefix and is real when the rest is
    random enough, or when `check` says so."""
    if isinstance(prefix, str):
        literal, length = prefix, len(prefix)

        def shown(value: str) -> str:
            return literal
    else:
        length = prefix

        def shown(value: str) -> str:
            return value[:length]

    return Pattern(
        rule_id,
        description,
        re.compile(regex),
        markers,
        severity,
        prefix=shown,
        check=check or _random_body(length, min_entropy),
    )


PROVIDER = "secrets.provider-token"
CRITICAL, HIGH, MEDIUM = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM

# fmt: off
PATTERNS: tuple[Pattern, ...] = (
    _keyed("secrets.aws-access-key", "AWS access key ID", CRITICAL,
           r"A(?:KIA|SIA)(?<![A-Z0-9]A...)[A-Z0-9]{16}(?![A-Z0-9])",
           prefix=4, min_entropy=2.5, markers=("AKIA", "ASIA")),
    _keyed("secrets.google-api-key", "Google API key", MEDIUM,
           r"AIza(?<![\w\-]AIza)[0-9A-Za-z_\-]{35}(?![\w\-])", prefix="AIza", markers=("AIza",)),
    Pattern("secrets.stripe-key", "Stripe key",
            re.compile(r"[sr]k_(?:live|test)_(?<!\w[sr]k_(?:live|test)_)[0-9A-Za-z]{10,247}(?!\w)"),
            ("_live_", "_test_"), CRITICAL,
            prefix=_literal_prefix("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
            check=_stripe_check),
    _keyed("secrets.stripe-key", "Stripe webhook signing secret", CRITICAL,
           r"whsec_(?<!\wwhsec_)[A-Za-z0-9+/=]{24,}",
           prefix="whsec_", markers=("whsec_",), check=_stripe_check),
    Pattern("secrets.openai-key", "OpenAI API key",
            re.compile(r"sk-(?<![\w\-]sk-)(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,250}"
                       r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{32,100})(?![\w\-])"),
            ("sk-",), CRITICAL,
            prefix=_literal_prefix("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"),
            check=_openai_check),
    _keyed("secrets.anthropic-key", "Anthropic API key", CRITICAL,
           r"sk-ant-(?<![\w\-]sk-ant-)(?:api|admin|sid)\d{2}-[A-Za-z0-9_\-]{32,200}",
           prefix=13, min_entropy=3.5, markers=("sk-",)),
    _keyed("secrets.github-token", "GitHub token", CRITICAL,
           r"gh[pousr]_(?<!\wgh._)[A-Za-z0-9]{36,251}(?!\w)", prefix=4),
    _keyed("secrets.github-token", "GitHub fine-grained token", CRITICAL,
           r"github_pat_(?<!\wgithub_pat_)[A-Za-z0-9_]{50,251}(?!\w)",
           prefix="github_pat_", markers=("github_pat_",)),
    _keyed("secrets.slack-token", "Slack token", HIGH,
           r"xox[abposre]-(?<![A-Za-z0-9]xox.-)[A-Za-z0-9-]{10,250}", prefix=5, markers=("xox",)),
    _keyed("secrets.slack-webhook", "Slack incoming webhook URL", HIGH,
           r"https://hooks\.slack\.com/(?:services|workflows|triggers)/"
           r"[A-Za-z0-9+/]{8,}/[A-Za-z0-9+/]{8,}(?:/[A-Za-z0-9+/]{16,})?",
           prefix="https://hooks.slack.com/", markers=("hooks.slack.com",)),
    _keyed("secrets.supabase-service-role",
           "Supabase service-role key (JWT with role service_role)", CRITICAL,
           r"eyJ(?<![\w\-]eyJ)[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
           prefix="eyJ", markers=("eyJ",), check=_supabase_jwt_check),
    _keyed("secrets.supabase-service-role", "Supabase secret API key", CRITICAL,
           r"sb_secret_(?<!\wsb_secret_)[A-Za-z0-9_\-]{20,}",
           prefix="sb_secret_", markers=("sb_secret_",)),
    _keyed(PROVIDER, "SendGrid API key", HIGH,
           r"SG\.(?<!\wSG\.)[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}(?![\w\-])",
           prefix="SG.", min_entropy=3.5, markers=("SG.",)),
    _keyed(PROVIDER, "Twilio API key", HIGH, r"SK(?<!\wSK)[0-9a-f]{32}(?!\w)", prefix="SK"),
    _keyed(PROVIDER, "Mailgun API key", HIGH,
           r"key-(?<![\w\-]key-)[0-9a-f]{32}(?!\w)", prefix="key-"),
    _keyed(PROVIDER, "npm access token", HIGH,
           r"npm_(?<!\wnpm_)[A-Za-z0-9]{36}(?!\w)", prefix="npm_"),
    _keyed(PROVIDER, "Hugging Face token", HIGH, r"hf_(?<!\whf_)[A-Za-z0-9]{34,40}(?!\w)",
           prefix="hf_", check=_mixed_random(3)),
    _keyed(PROVIDER, "GitLab personal access token", HIGH,
           r"glpat-(?<![\w\-]glpat-)[A-Za-z0-9_\-]{20,}(?![\w\-])", prefix="glpat-"),
    _keyed(PROVIDER, "Shopify access token", HIGH,
           r"shp(?:at|ss|ca|pa)_(?<!\wshp.._)[a-fA-F0-9]{32}(?!\w)", prefix=6),
    _keyed(PROVIDER, "Google OAuth client secret", HIGH,
           r"GOCSPX-(?<![\w\-]GOCSPX-)[A-Za-z0-9_\-]{28}(?![\w\-])", prefix="GOCSPX-"),
    _keyed(PROVIDER, "Resend API key", HIGH,
           r"re_(?<!\wre_)[A-Za-z0-9]{8}_[A-Za-z0-9]{24}(?!\w)",
           prefix="re_", check=_mixed_random(3)),
)
# fmt: on

DB_URL = re.compile(
    r"\b(?P<scheme>(?:postgres(?:ql)?|mysql|mariadb|mongodb|rediss?|amqps?|mssql)(?:\+[a-z0-9]+)?)://"
    # An empty user: Redis URLs carry only a password (redis://:password@host).
    r"(?P<user>[^:/\s@\"'`]{0,64}):(?P<password>[^@/\s\"'`]{3,128})@(?P<host>[^/\s\"'`:?,]+)"
)

JWT_SIGN_CALL = re.compile(
    r"\bjwt\.(?:sign|verify|encode|decode)\(\s*[^,()]{1,200},\s*(?P<q>[\"'`])(?P<value>[^\"'`\n]{6,300})(?P=q)"
)
PRIVATE_KEY = re.compile(
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?)PRIVATE KEY"
    r"(?: BLOCK)?-----"
)
PEM_HEADER_LINE = re.compile(r"(?:Proc-Type|DEK-Info|Comment|Version):[^\n\\]*")
NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")
PEM_ESCAPES = re.compile(r"\\[nrt]")
# Base64 lines, whitespace, and what joins string literals across lines: quotes, "+", ",".
PEM_INNER = re.compile(r"[A-Za-z0-9+/=\s\"',`]*")
