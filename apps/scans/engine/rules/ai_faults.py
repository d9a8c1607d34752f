"""Faults typical of AI-built apps outside the database: secrets handed to the browser through
`VITE_` / `NEXT_PUBLIC_` variables or bundled source, the Supabase service-role key used from
front-end code, and JWTs read without verifying their signature."""

from __future__ import annotations

import re
from dataclasses import replace

from ..content import CODE_SUFFIXES, JS_SUFFIXES, signal
from ..context import ScanContext, client_env_prefix
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from .helpers import ENV_DEF, ENV_REF, USE_CLIENT, uses_supabase
from .secrets import secret_finding

CLIENT_KEYS = ("security.no-secrets-in-client-code",)

_CLIENT_SECRET_NAME = re.compile(
    r"SERVICE_?ROLE|SERVICE_KEY|SECRET|PRIVATE_KEY|PASSWORD|PASSWD|DATABASE_URL|DB_URL|DB_PASS"
    r"|ADMIN_KEY|MASTER_KEY"
    r"|(?:OPENAI|ANTHROPIC|CLAUDE|GROQ|MISTRAL|REPLICATE|ELEVENLABS|ELEVEN_LABS|RESEND|SENDGRID"
    r"|MAILGUN|POSTMARK|TWILIO|GEMINI|PERPLEXITY|DEEPSEEK|COHERE|HUGGINGFACE|HF|PINECONE|TOGETHER"
    r"|FIREWORKS|OPENROUTER|XAI|GROK|DEEPGRAM|ASSEMBLYAI|GITHUB|SLACK|AWS|STRIPE_SECRET|STRIPE_SK"
    r"|SUPABASE_SECRET)_(?:API_)?(?:KEY|TOKEN)"
)
_CLIENT_PUBLIC_NAME = re.compile(r"PUBLISHABLE|ANON|PUBLIC_KEY|SITE_KEY|CLIENT_ID|PUBLIC_TOKEN")
# Kinds that are public by design (Google browser keys) or too uncertain to call client leaks.
_NOT_CLIENT_LEAKS = frozenset({"secrets.google-api-key", "secrets.generic-secret"})


def is_client_secret_name(name: str) -> bool:
    """`VITE_OPENAI_API_KEY`, `NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY`: a browser-exposed
    variable whose name says it holds a server secret."""
    prefix = client_env_prefix(name)
    if prefix is None:
        return False
    rest = name[len(prefix) :]
    return bool(_CLIENT_SECRET_NAME.search(rest)) and not _CLIENT_PUBLIC_NAME.search(rest)


@rule(
    id="ai.client-env-secret-name",
    title="No secret in a browser-exposed environment variable",
    category="ai-faults",
    severity="critical",
    checklist_keys=CLIENT_KEYS,
    signals=(ENV_REF, ENV_DEF),
)
def client_env_secret_name(ctx: ScanContext) -> Outcome:
    """Build tools inline every `VITE_*`, `NEXT_PUBLIC_*`, `REACT_APP_*` (and similar) variable
    into the JavaScript sent to browsers. One named like a service-role key, a secret or an
    LLM provider's API key is readable by every visitor, even if its value is set only in the
    hosting dashboard."""
    findings = []
    seen: set[str] = set()
    for hit in (*ctx.signal(ENV_DEF.name), *ctx.signal(ENV_REF.name)):
        name = hit.value
        if not name or name in seen or not is_client_secret_name(name):
            continue
        seen.add(name)
        prefix = client_env_prefix(name)
        findings.append(
            Finding(
                f"{name} is exposed to browsers by the {prefix} prefix, but its name says it is "
                "a secret: call the provider from a server function instead.",
                hit.path,
                hit.line,
            )
        )
    if findings:
        return failed(f"{len(findings)} secret-named variable(s) exposed to browsers.", findings)
    return passed("No browser-exposed variable is named like a secret.")


@rule(
    id="ai.secret-in-client-code",
    title="No secret value in browser code",
    category="ai-faults",
    severity="critical",
    checklist_keys=CLIENT_KEYS,
    signals=(USE_CLIENT,),
    uses_secrets=True,
)
def secret_in_client_code(ctx: ScanContext) -> Outcome:
    """A detected secret (Stripe, OpenAI, service-role key...) assigned to a `VITE_` /
    `NEXT_PUBLIC_` variable, or written into a file that is bundled for the browser (a
    single-page app's src/, a "use client" module, public/, index.html)."""
    findings = []
    for match in ctx.secrets:
        if match.rule_id in _NOT_CLIENT_LEAKS:
            continue
        via_variable = match.variable is not None and client_env_prefix(match.variable)
        if via_variable:
            message = f"{match.description} in {match.variable}, which is shipped to browsers."
        elif ctx.is_client_path(match.path):
            message = f"{match.description} in a file bundled for the browser."
        else:
            continue
        # Whatever the key's own severity, a browser reading it is critical.
        findings.append(replace(secret_finding(match, message=message), severity=Severity.CRITICAL))
    if findings:
        return failed(f"{len(findings)} secret(s) reach the browser.", findings)
    return passed("No detected secret reaches browser code.")


SERVICE_ROLE_REF = signal(
    "service-role-ref",
    r"(?i)(?P<value>\w*service_?role\w*|auth\.admin\.\w+|\w*supabase_secret_key\w*)",
    keywords=("service_role", "servicerole", "auth.admin.", "supabase_secret_key"),
    suffixes=JS_SUFFIXES,
    max_hits=500,
)
_COMMENT_LINE = re.compile(r"^\s*(?://|\*|/\*|<!--)")


@rule(
    id="ai.service-role-in-frontend",
    title="The Supabase service-role key stays out of the front end",
    category="ai-faults",
    severity="critical",
    checklist_keys=CLIENT_KEYS,
    signals=(SERVICE_ROLE_REF, USE_CLIENT),
    uses_secrets=True,
)
def service_role_in_frontend(ctx: ScanContext) -> Outcome:
    """Browser code that reads a service-role key, calls `supabase.auth.admin.*` (which needs
    one) or embeds a service-role JWT: generated apps do this to get past row-level security,
    which hands every visitor full access to the database."""
    findings = []
    for hit in ctx.signal(SERVICE_ROLE_REF.name):
        if not ctx.is_client_path(hit.path):
            continue
        if _COMMENT_LINE.match(ctx.line_text(hit.path, hit.line)):
            continue
        what = (
            "calls the Supabase admin API"
            if "admin" in (hit.value or "")
            else "uses the service-role key"
        )
        findings.append(Finding(f"Browser code {what} (`{hit.value}`).", hit.path, hit.line))
    for match in ctx.secrets_for("secrets.supabase-service-role"):
        if ctx.is_client_path(match.path) or (match.variable and client_env_prefix(match.variable)):
            findings.append(
                secret_finding(match, message="Service-role key where browser code can read it.")
            )
    if findings:
        return failed("The front end holds service-role access.", findings)
    if not uses_supabase(ctx):
        return not_applicable("Supabase is not used.")
    return passed("No service-role key or admin API in browser code.")


JWT_UNVERIFIED = signal(
    "jwt-unverified",
    r"[\"']verify_signature[\"']\s*:\s*False|\bjwt\.decode\([^)]*\bverify\s*=\s*False"
    r"|\balgorithms\s*[=:]\s*\[\s*[\"']none[\"']|\bignoreExpiration\s*:\s*true"
    r"|verify_exp[\"']\s*:\s*False",
    keywords=("verify_signature", "jwt.decode", "algorithms", "ignoreexpiration", "verify_exp"),
    suffixes=CODE_SUFFIXES,
    max_hits=50,
)
JWT_MANUAL_DECODE = signal(
    "jwt-manual-decode",
    r"(?:atob|base64url?\.decode|Buffer\.from)\(\s*\w+(?:\.\w+)*\.split\(\s*[\"']\.[\"']\s*\)\s*\[\s*1\s*\]",
    keywords=("atob(", "buffer.from(", "base64"),
    suffixes=JS_SUFFIXES,
    max_hits=50,
)
_JWT_LIBS_NPM = (
    "jsonwebtoken",
    "jose",
    "jwt-decode",
    "@supabase/supabase-js",
    "next-auth",
    "firebase-admin",
    "express-jwt",
    "passport-jwt",
)
_JWT_LIBS_PY = (
    "pyjwt",
    "python-jose",
    "djangorestframework-simplejwt",
    "authlib",
    "flask-jwt-extended",
    "supabase",
)


@rule(
    id="ai.jwt-verification-disabled",
    title="Tokens are verified before they are trusted",
    category="ai-faults",
    severity="high",
    checklist_keys=("security.jwt-verification",),
    signals=(JWT_UNVERIFIED, JWT_MANUAL_DECODE, USE_CLIENT),
)
def jwt_verification_disabled(ctx: ScanContext) -> Outcome:
    """Server code that decodes a JWT without checking it: PyJWT's
    `options={"verify_signature": False}`, `verify=False`, `algorithms=["none"]`,
    `ignoreExpiration: true`, or claims read by hand with `atob(token.split('.')[1])` —
    anyone can then claim to be anyone."""
    places = {(hit.path, hit.line) for hit in ctx.signal(JWT_UNVERIFIED.name)}
    findings = [
        Finding("JWT decoded with verification switched off.", path, line)
        for path, line in sorted(places)
    ]
    findings += [
        Finding(
            "JWT claims read by decoding the payload by hand, without checking the signature.",
            hit.path,
            hit.line,
        )
        for hit in ctx.signal(JWT_MANUAL_DECODE.name)
        if not ctx.is_client_path(hit.path)  # the browser reading its own token is harmless
    ]
    if findings:
        return failed("Some tokens are trusted without verification.", findings)
    if not ctx.manifests.find(npm=_JWT_LIBS_NPM, pypi=_JWT_LIBS_PY):
        return not_applicable("No token handling found.")
    return passed(
        "No token is read without verification.", [Evidence("no unverified decode found")]
    )
