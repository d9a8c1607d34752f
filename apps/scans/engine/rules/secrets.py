"""Committed secrets: one rule per kind of credential (so each can be explained, tested and
dismissed on its own), plus committed `.env` files. Detection itself lives in engine.secrets;
these rules only turn its matches into findings."""

from __future__ import annotations

import re

from ..context import ScanContext
from ..history import HISTORY_RULE
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..secrets import SecretMatch, is_secret_name, is_test_path, looks_like_placeholder_text
from ..secrets.paths import is_seed_path
from .helpers import committed_env_files

NO_SECRETS = ("security.no-committed-secrets",)


def secret_finding(
    match: SecretMatch, *, message: str | None = None, severity: Severity | None = None
) -> Finding:
    where = f" (assigned to {match.variable})" if match.variable else ""
    example = " in an example file" if match.in_example else ""
    return Finding(
        message=message or f"{match.description} committed{example}{where}.",
        path=match.path,
        line=match.line,
        severity=severity or match.severity,
        snippet=match.redacted,
        fingerprint=match.fingerprint,
        reason=match.reason or f"matches the {match.description} pattern",
    )


def _secret_rule(rule_id: str, title: str, severity: str, doc: str) -> None:
    def check(ctx: ScanContext) -> Outcome:
        if not ctx.snapshot.stats.files_scanned:
            return not_applicable("No text file to scan.")
        matches = ctx.secrets_for(rule_id)
        if not matches:
            return passed(f"No {title.lower()} found.")
        distinct = len({m.fingerprint for m in matches})
        return failed(
            f"{distinct} distinct secret(s) in {len(matches)} place(s); rotate them, then remove "
            "them from the code and its history.",
            [secret_finding(m) for m in matches],
        )

    check.__doc__ = doc
    check.__name__ = rule_id.replace(".", "_").replace("-", "_")
    rule(
        id=rule_id,
        title=title,
        category="secrets",
        severity=severity,
        checklist_keys=NO_SECRETS,
        uses_secrets=True,
    )(check)


_SECRET_RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "secrets.aws-access-key",
        "AWS access key ID",
        "critical",
        "AWS access key IDs (AKIA…, ASIA…); the matching secret key is usually nearby.",
    ),
    (
        "secrets.aws-secret-key",
        "AWS secret access key",
        "critical",
        "40-character AWS secret access keys assigned to aws_secret_access_key-like names.",
    ),
    (
        "secrets.google-api-key",
        "Google API key",
        "medium",
        "Google API keys (AIza…) outside Firebase web configs, which are public by design.",
    ),
    (
        "secrets.stripe-key",
        "Stripe secret key",
        "critical",
        (
            "Stripe secret and restricted keys (sk_live_, rk_live_, sk_test_) and webhook "
            "secrets (whsec_); live keys are critical, test keys medium."
        ),
    ),
    (
        "secrets.openai-key",
        "OpenAI API key",
        "critical",
        "OpenAI keys (sk-proj-…, sk-svcacct-…, legacy sk-…T3BlbkFJ…).",
    ),
    ("secrets.anthropic-key", "Anthropic API key", "critical", "Anthropic keys (sk-ant-api03-…)."),
    (
        "secrets.github-token",
        "GitHub token",
        "critical",
        "GitHub personal, OAuth, app and fine-grained tokens (ghp_, gho_, ghs_, github_pat_...).",
    ),
    ("secrets.slack-token", "Slack token", "high", "Slack bot, user and app tokens (xoxb-...)."),
    (
        "secrets.slack-webhook",
        "Slack webhook URL",
        "high",
        "Slack incoming webhook URLs, which let anyone post to the channel.",
    ),
    (
        "secrets.supabase-service-role",
        "Supabase service-role key",
        "critical",
        (
            "Supabase service-role JWTs (the payload's role claim is service_role; decoded, "
            "not verified) and sb_secret_ keys: they bypass row-level security entirely."
        ),
    ),
    (
        "secrets.private-key",
        "Private key",
        "critical",
        (
            "PEM private keys (RSA, EC, OpenSSH, PGP...) with real key material, including "
            "the private_key field of Google service-account JSON."
        ),
    ),
    (
        "secrets.jwt-secret",
        "JWT or session signing secret",
        "high",
        (
            "Literal signing secrets: JWT_SECRET=, NEXTAUTH_SECRET=, Django's SECRET_KEY = "
            "'…', jwt.sign(payload, 'literal'). Anyone holding one can forge sessions."
        ),
    ),
    (
        "secrets.database-url",
        "Database URL with a password",
        "high",
        (
            "Connection strings (postgres://, mysql://, mongodb+srv://, redis://:…@, amqp://) "
            "with an inline password for a real host: high; a well-known default password "
            "(postgres, root, admin) on a real host: medium. Local and placeholder passwords "
            "are left to secrets.dev-default-credentials."
        ),
    ),
    (
        "secrets.provider-token",
        "Third-party API token",
        "high",
        (
            "Tokens with well-known formats: SendGrid, Twilio, Mailgun, npm, Hugging Face, "
            "GitLab, Shopify, Google OAuth client secrets, Resend."
        ),
    ),
    (
        "secrets.generic-secret",
        "High-entropy secret",
        "high",
        (
            "A random-looking value (Shannon entropy over a threshold) assigned to a "
            "secret-like name such as api_key, token, password, DB_PASS or client_secret, in "
            "code, configuration and documentation; placeholders, "
            "examples, references to the environment and test files are ignored."
        ),
    ),
)

for _rule_id, _title, _severity, _doc in _SECRET_RULES:
    _secret_rule(_rule_id, _title, _severity, _doc)

_ENV_ASSIGNMENT = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(?P<value>.*)$", re.M
)


@rule(
    id="secrets.env-file-committed",
    title="No .env file is committed",
    category="secrets",
    severity="high",
    checklist_keys=("security.no-committed-env-files",),
    uses_secrets=True,
)
def env_file_committed(ctx: ScanContext) -> Outcome:
    """`.env`, `.env.local`, `.env.production` and the like are per-machine secrets and belong
    in .gitignore; only `.env.example` / `.env.sample` / `.env.template` are meant to be shared.
    Severity follows the content: real secrets are critical, values for secret-like names high,
    public values only (a Supabase URL and anon key) medium."""
    env_files = committed_env_files(ctx)
    if not env_files:
        return passed("No .env file committed.")
    by_path: dict[str, list[SecretMatch]] = {}
    for match in ctx.secrets:
        by_path.setdefault(match.path, []).append(match)
    findings = []
    for entry in env_files:
        secrets_here = by_path.get(entry.path, [])
        text = ctx.read(entry.path) or ""
        assignments = [
            (m.group("name"), m.group("value").strip().strip("\"'"))
            for m in _ENV_ASSIGNMENT.finditer(text)
        ]
        valued = [(n, v) for n, v in assignments if v and not looks_like_placeholder_text(v)]
        secret_named = [n for n, _ in valued if is_secret_name(n)]
        if secrets_here:
            severity = Severity.CRITICAL
            detail = "holds secrets"
        elif secret_named:
            severity = Severity.HIGH
            detail = f"sets secret-like variables such as {secret_named[0]}"
        elif valued:
            severity = Severity.MEDIUM
            detail = "sets variables"
        else:
            severity = Severity.LOW
            detail = "has no real values"
        findings.append(
            Finding(
                f"{entry.name} is committed and {detail}; commit a .env.example instead and "
                "add .env* to .gitignore.",
                entry.path,
                None,
                severity,
            )
        )
    return failed(
        f"{len(env_files)} environment file(s) committed.",
        findings,
        [Evidence("committed env file", e.path) for e in env_files],
    )


@rule(
    id="secrets.hardcoded-credential",
    title="No hard-coded login credential",
    category="secrets",
    severity="high",
    checklist_keys=NO_SECRETS,
    uses_secrets=True,
)
def hardcoded_credential(ctx: ScanContext) -> Outcome:
    """A password literal the code itself uses: passed to a login call
    (`signInWithPassword({ email, password: 'Admin123!' })`), written next to a literal email,
    prefilled in a login form, or given to a seed or demo script that creates a user. Whatever
    it looks like ("demo123" included) it opens an account. Severity follows where it is:
    code bundled for browsers critical (every visitor can read it), other code high, seed and
    demo scripts medium; tests are not reported."""
    if not ctx.snapshot.stats.files_scanned:
        return not_applicable("No text file to scan.")
    findings = []
    for match in ctx.secrets_for("secrets.hardcoded-credential"):
        if is_test_path(match.path):
            continue
        if is_seed_path(match.path) or match.usage == "seed script":
            severity, where = Severity.MEDIUM, "in a seed or demo script"
        elif ctx.is_client_path(match.path):
            severity, where = Severity.CRITICAL, "in code shipped to every visitor's browser"
        else:
            severity, where = Severity.HIGH, "in the code"
        findings.append(
            secret_finding(
                match,
                severity=severity,
                message=f"Password written {where} ({match.usage}): anyone who reads it can "
                "sign in. Remove it, change that account's password, and create demo "
                "accounts from environment variables.",
            )
        )
    if not findings:
        return passed("No login call, login form or seed script holds a literal password.")
    return failed(f"{len(findings)} hard-coded login credential(s).", findings)


@rule(
    id="secrets.dev-default-credentials",
    title="Local development credentials",
    category="secrets",
    severity="low",
    # Shown, but no gap on "no committed secrets": every dev docker-compose has one, and a
    # gap that each agency must mark accepted on every engagement would teach people to
    # ignore gaps.
    advisory=True,
    uses_secrets=True,
)
def dev_default_credentials(ctx: ScanContext) -> Outcome:
    """Connection strings with a password for a local or compose-internal database
    (`postgres://postgres:postgres@localhost`, `redis://:secret@redis:6379`). They open
    nothing on the internet, so they are reported low, as a reminder that production must not
    reuse them; stand-ins (`${DB_PASSWORD}`, `<password>`, `changeme`, `user:password@host`)
    are not reported at all."""
    matches = ctx.secrets_for("secrets.dev-default-credentials")
    if not matches:
        return passed("No connection string with a local development password.")
    findings = [
        secret_finding(
            m,
            message=f"{m.description}: fine on a developer's machine; make sure production "
            "uses another password, set from the environment.",
        )
        for m in matches
    ]
    return failed(f"{len(findings)} local development connection string(s).", findings)


@rule(
    id=HISTORY_RULE,
    title="No secret left in git history",
    category="secrets",
    severity="high",
    checklist_keys=NO_SECRETS,
    uses_secrets=True,
)
def secrets_in_history(ctx: ScanContext) -> Outcome:
    """Secrets deleted from the tree but still in the commits the scan fetched (up to the
    SCAN_HISTORY_COMMITS setting): anyone who can clone the repository can read them, so
    they must be rotated. A secret still in the tree is reported by its own rule, not again
    here. When history could not be read (a shallow clone, not a git repository, git
    missing) the rule says so rather than pass."""
    history = ctx.history
    if history is None:
        return not_applicable("Not checked: this scan did not read the git history.")
    if history.status != "read":
        return not_applicable(f"Not checked: {history.message}")
    in_tree = {m.fingerprint for m in ctx.secrets}
    findings = []
    for found in history.matches:
        match = found.match
        if match.fingerprint in in_tree or match.rule_id == "secrets.dev-default-credentials":
            continue
        findings.append(
            Finding(
                message=f"{match.description} is no longer in the tree but still in history: "
                f"rotate it (added in commit {found.commit} on {found.date[:10]}, "
                f"{match.path} line {match.line}).",
                path=match.path,
                line=match.line,
                severity=match.severity,
                snippet=match.redacted,
                fingerprint=match.fingerprint,
                reason=f"{match.reason or match.description}, on a line added by commit "
                f"{found.commit} (authored {found.date}); the checked-out tree no longer has it",
            )
        )
    read = f"{history.commits} commit(s) read"
    if history.shallow:
        read += ", the clone is shallow"
    if findings:
        return failed(
            f"{len(findings)} secret(s) removed from the code but still in history ({read}); "
            "rotate each one: deleting the line did not revoke it.",
            findings,
        )
    if history.truncated:
        return not_applicable(f"Not fully checked: {history.truncated} ({read}).")
    return passed(
        f"No secret removed from the tree remains in history ({read}).",
        [Evidence(f"{read}; {history.file_versions} changed file version(s) scanned")],
    )
