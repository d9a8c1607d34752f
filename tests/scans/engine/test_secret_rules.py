"""Committed-secret rules: each kind is found with file, line, redacted snippet and fingerprint;
placeholders and documentation examples are not reported; the raw secret never appears in a
result."""

from __future__ import annotations

import json

import pytest

from apps.scans.engine import Severity, Status

from . import gitrepo as g


def only(result):
    assert result.status is Status.FAILED, result.summary
    assert len(result.findings) == 1, result.findings
    return result.findings[0]


# --- one positive case per rule ----------------------------------------------------------------

POSITIVE_CASES = [
    (
        "secrets.aws-access-key",
        lambda: f'const id = "{g.aws_access_key_id()}";\n',
        "src/aws.ts",
        "AKIA…",
    ),
    (
        "secrets.aws-secret-key",
        lambda: f"aws_secret_access_key = {g.aws_secret_key()}\n",
        "deploy/credentials",
        "…",
    ),
    (
        "secrets.google-api-key",
        lambda: f'MAPS_KEY = "{g.google_api_key()}"\n',
        "app/maps.py",
        "AIza…",
    ),
    (
        "secrets.stripe-key",
        lambda: f"STRIPE_SECRET_KEY={g.stripe_key()}\n",
        "config/stripe.env",
        "sk_live_…",
    ),
    (
        "secrets.openai-key",
        lambda: f'const openai = new OpenAI({{ apiKey: "{g.openai_key()}" }});\n',
        "api/chat.ts",
        "sk-proj-…",
    ),
    (
        "secrets.anthropic-key",
        lambda: f'client = Anthropic(api_key="{g.anthropic_key()}")\n',
        "bot.py",
        "sk-ant-api03-…",
    ),
    ("secrets.github-token", lambda: f"GITHUB_TOKEN: {g.github_token()}\n", "deploy.yml", "ghp_…"),
    (
        "secrets.slack-token",
        lambda: f'slack = WebClient(token="{g.slack_token()}")\n',
        "notify.py",
        "xoxb-…",
    ),
    (
        "secrets.slack-webhook",
        lambda: f'const url = "{g.slack_webhook()}";\n',
        "alert.js",
        "https://hooks.slack.com/…",
    ),
    (
        "secrets.supabase-service-role",
        lambda: f'const admin = createClient(url, "{g.supabase_key("service_role")}");\n',
        "scripts/admin.ts",
        "eyJ…",
    ),
    (
        "secrets.private-key",
        g.private_key_pem,
        "certs/server.key.pem",
        "-----BEGIN RSA PRIVATE KEY-----…",
    ),
    (
        "secrets.jwt-secret",
        lambda: f"JWT_SECRET={g.random_text(32, seed=9)}\n",
        "api/.env.production",
        "…",
    ),
    (
        "secrets.database-url",
        lambda: (
            f'DATABASE_URL = "postgresql://app:{g.random_text(20, seed=4)}'
            '@db.prod-cluster.net:5432/app"\n'
        ),
        "settings.py",
        "postgresql://app:…@db.prod-cluster.net",
    ),
    (
        "secrets.provider-token",
        lambda: f'SENDGRID_API_KEY = "{g.sendgrid_key()}"\n',
        "mail.py",
        "SG.…",
    ),
    (
        "secrets.generic-secret",
        lambda: f'export const config = {{ clientSecret: "{g.random_text(32, seed=5)}" }};\n',
        "src/config.ts",
        "…",
    ),
]


@pytest.mark.parametrize(("rule_id", "make", "path", "snippet_start"), POSITIVE_CASES)
def test_secret_found_with_place_redaction_and_fingerprint(
    rule, rule_id, make, path, snippet_start
):
    content = "# settings\n" + make()
    result = rule(rule_id, {path: content})
    finding = only(result)
    assert finding.path == path
    assert finding.line == 2
    assert finding.snippet.startswith(snippet_start)
    assert finding.fingerprint.startswith("sha256:")
    assert len(finding.fingerprint) == len("sha256:") + 64
    assert result.checklist_keys == ("security.no-committed-secrets",)


def test_stripe_live_key_is_critical_and_test_key_medium(rule):
    files = {"a.env": f"LIVE={g.stripe_key('live')}\nTEST={g.stripe_key('test', seed=2)}\n"}
    result = rule("secrets.stripe-key", files)
    severities = {f.line: f.severity for f in result.findings}
    assert severities == {1: Severity.CRITICAL, 2: Severity.MEDIUM}


def test_stripe_webhook_secret(rule):
    secret = "whsec_" + g.random_text(32, seed=3)
    result = rule("secrets.stripe-key", {"webhook.ts": f'const s = "{secret}";\n'})
    assert only(result).snippet.startswith("whsec_…")


def test_supabase_sb_secret_key(rule):
    key = "sb_" + "secret_" + g.random_text(31, seed=6)
    assert only(rule("secrets.supabase-service-role", {"a.ts": f'k = "{key}"'})).line == 1


def test_supabase_anon_key_is_not_a_secret(rule):
    code = f'export const supabase = createClient(URL, "{g.supabase_key("anon")}");\n'
    assert rule("secrets.supabase-service-role", {"src/client.ts": code}).passed


def test_supabase_local_demo_service_key_is_public(rule):
    key = g.supabase_key("service_role", iss="supabase-demo")
    assert rule("secrets.supabase-service-role", {"supabase/.env.test": f"KEY={key}\n"}).passed


def test_private_key_inside_service_account_json(rule):
    pem = g.private_key_pem(kind="")
    account = json.dumps({"type": "service_account", "private_key": pem})
    result = rule("secrets.private-key", {"firebase-admin.json": account})
    assert only(result).snippet == "-----BEGIN PRIVATE KEY-----…"


def test_jwt_secret_passed_to_sign(rule):
    code = "const token = jwt.sign({ id: user.id }, 'm9Fq2xTzL7pWvB4k', { expiresIn: '1h' });\n"
    assert only(rule("secrets.jwt-secret", {"server/auth.js": code})).line == 1


def test_django_secret_key_literal(rule):
    value = "django-insecure-" + g.random_text(40, seed=8)
    result = rule("secrets.jwt-secret", {"mysite/settings.py": f"SECRET_KEY = '{value}'\n"})
    assert only(result).snippet == "…" + value[-4:]


def test_firebase_web_config_key_is_public_by_design(rule):
    config = (
        "const firebaseConfig = {\n"
        f'  apiKey: "{g.google_api_key()}",\n'
        '  authDomain: "demo-app.firebaseapp.com",\n  projectId: "demo-app",\n};\n'
    )
    assert rule("secrets.google-api-key", {"src/firebase.ts": config}).passed


def test_same_secret_in_two_files_has_one_fingerprint(rule):
    key = g.stripe_key()
    result = rule("secrets.stripe-key", {"a.py": f'K = "{key}"\n', "b/c.py": f'K = "{key}"\n'})
    assert len(result.findings) == 2
    assert len({f.fingerprint for f in result.findings}) == 1
    assert "1 distinct secret(s) in 2 place(s)" in result.summary


def test_variable_name_is_reported(rule):
    result = rule("secrets.openai-key", {".env.local": f"OPENAI_API_KEY={g.openai_key()}\n"})
    assert "OPENAI_API_KEY" in only(result).message


def test_real_key_in_example_file_is_still_reported(rule):
    result = rule("secrets.stripe-key", {".env.example": f"STRIPE_SECRET_KEY={g.stripe_key()}\n"})
    assert "example file" in only(result).message


# --- placeholders and look-alikes are not reported --------------------------------------------

PLACEHOLDERS = "\n".join(
    [
        'STRIPE_SECRET_KEY = "sk_' + 'test_xxxxxxxxxxxxxxxxxxxxxxxx"',
        'STRIPE_KEY_2 = "sk_' + 'test_1234567890123456789012"',
        'STRIPE_KEY_3 = "sk_' + 'live_YOURSECRETKEYHERE00000"',
        'STRIPE_DOC = "sk_' + 'test_4eC39HqLyjWDarjtT1zdp7dc"',
        'AWS_ACCESS_KEY_ID = "AKIA' + 'IOSFODNN7EXAMPLE"',
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY"',
        'OPENAI_API_KEY = "YOUR_API_KEY"',
        'openai_key = "sk-' + 'your-openai-api-key-goes-here-000000"',
        'GITHUB_TOKEN = "ghp_' + "x" * 36 + '"',
        'SLACK = "https://hooks.slack.com/services/' + "T00000000/B00000000/" + "X" * 24 + '"',
        'api_key = "<your-api-key>"',
        'api_key_2 = "${API_KEY}"',
        "client_secret = process.env.CLIENT_SECRET",
        'password = "changeme"',
        'db_password = "example-password-123"',
        'auth_token = "dummy-token-for-local-dev"',
        'token = "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"',
        'secret = "abcdefghijklmnopqrstuvwxyz"',
        'JWT_SECRET = "your-jwt-secret"',
        'SECRET_KEY = os.environ["SECRET_KEY"]',
        'DATABASE_URL = "postgres://postgres:postgres@localhost:5432/app"',
        'DATABASE_URL_2 = "postgresql://postgres:[YOUR-PASSWORD]@db.abcdefgh.supabase.co:5432/postgres"',
        "-----BEGIN RSA PRIVATE" + " KEY-----\n...\n-----END RSA PRIVATE KEY-----",
        'sendgrid = "SG.' + "x" * 22 + "." + "x" * 43 + '"',
        'refreshTokenKey = "refresh_token"',
        'tokenType = "Bearer"',
        'API_TOKEN_CREATED = "api_token.created"',
    ]
)


def test_placeholders_are_not_reported(scan_repo):
    report = scan_repo({"config/settings.py": PLACEHOLDERS, ".env.example": PLACEHOLDERS})
    secret_rules = [
        r
        for r in report.results
        if r.category == "secrets" and r.rule_id != "secrets.env-file-committed"
    ]
    assert len(secret_rules) == 18
    # Local development defaults are reported, but only as low (test_secret_places.py).
    reported = [
        (r.rule_id, f.line)
        for r in secret_rules
        for f in r.findings
        if r.rule_id != "secrets.dev-default-credentials"
    ]
    assert reported == []
    local = report.result("secrets.dev-default-credentials").findings
    assert {f.severity for f in local} <= {Severity.LOW}


def test_example_env_values_are_placeholders(rule):
    example = (
        "JWT_SECRET=replace-with-32-random-chars\nAPI_KEY=abc123def456ghi789\n"
        "SESSION_SECRET=s3cr3t\n"
    )
    for rule_id in ("secrets.jwt-secret", "secrets.generic-secret"):
        assert rule(rule_id, {".env.sample": example}).passed


def test_generic_secrets_in_test_files_are_ignored(rule):
    code = f'const apiKey = "{g.random_text(32, seed=5)}";\n'
    assert rule("secrets.generic-secret", {"src/__tests__/api.test.ts": code}).passed
    assert rule("secrets.generic-secret", {"src/api.ts": code}).failed


def test_secret_names_in_prose_are_not_assignments(rule):
    docs = "Set your api_key: it looks like Zx81kQp03LmNvB7aTy6W in the dashboard.\n"
    assert rule("secrets.generic-secret", {"docs/setup.md": docs}).passed


# --- .env files --------------------------------------------------------------------------------


def test_committed_env_file_with_secret_is_critical(rule):
    result = rule("secrets.env-file-committed", {".env": f"STRIPE_SECRET_KEY={g.stripe_key()}\n"})
    finding = only(result)
    assert finding.path == ".env"
    assert finding.severity is Severity.CRITICAL
    assert result.checklist_keys == ("security.no-committed-env-files",)


def test_committed_env_with_public_values_is_medium(rule):
    env = f'VITE_SUPABASE_URL="https://abc.supabase.co"\nVITE_SUPABASE_ANON_KEY="{g.supabase_key("anon")}"\n'
    assert only(rule("secrets.env-file-committed", {".env": env})).severity is Severity.MEDIUM


def test_env_local_and_production_files_count(rule):
    result = rule(
        "secrets.env-file-committed", {".env.local": "A=1\n", "api/.env.production": "B=\n"}
    )
    assert {f.path: f.severity for f in result.findings} == {
        ".env.local": Severity.MEDIUM,
        "api/.env.production": Severity.LOW,
    }


def test_example_env_files_are_fine(rule):
    files = {
        ".env.example": "A=\n",
        ".env.sample": "B=\n",
        ".env.template": "C=\n",
        "example.env": "D=\n",
    }
    assert rule("secrets.env-file-committed", files).passed


# --- nothing raw leaves the engine -------------------------------------------------------------


def test_report_never_contains_a_raw_secret(scan_repo):
    named = {
        "STRIPE": g.stripe_key(),
        "AWS_ID": g.aws_access_key_id(),
        "aws_secret_access_key": g.aws_secret_key(),
        "MAPS": g.google_api_key(),
        "OPENAI": g.openai_key(),
        "ANTHROPIC": g.anthropic_key(),
        "GH": g.github_token(),
        "SLACK": g.slack_token(),
        "HOOK": g.slack_webhook(),
        "SG": g.sendgrid_key(),
        "VITE_SUPABASE_SERVICE_ROLE_KEY": g.supabase_key(),
        "client_secret": g.random_text(32, seed=5),
    }
    password = g.random_text(20, seed=4)
    secrets = [*named.values(), password]
    lines = [f'{name} = "{value}"' for name, value in named.items()]
    lines.append(f'DB = "postgres://app:{password}@db.internal-prod.net/app"')
    pem = g.private_key_pem()
    report = scan_repo(
        {"src/config.ts": "\n".join(lines) + "\n", ".env": "\n".join(lines), "key.pem": pem}
    )
    dumped = json.dumps(report.to_dict())
    found = sum(len(r.findings) for r in report.results if r.category == "secrets")
    assert found >= 13
    for secret in [*secrets, pem.splitlines()[1]]:
        assert secret not in dumped
        middle = secret[len(secret) // 2 - 5 : len(secret) // 2 + 5]
        assert middle not in dumped, f"a slice of a secret leaked: {middle}"


NEGATIVE_CASES = [
    ("secrets.aws-access-key", "src/aws.ts", 'const id = "AKIA' + 'IOSFODNN7EXAMPLE";'),
    ("secrets.aws-secret-key", "credentials", "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}"),
    ("secrets.google-api-key", "app.json", '{"googleServicesFile": "./google-services.json"}'),
    ("secrets.stripe-key", "pay.py", 'stripe.api_key = "sk_' + 'test_xxxxxxxxxxxxxxxxxxxx"'),
    ("secrets.openai-key", "ai.ts", 'const apiKey = "sk-' + '...";  // paste your key'),
    ("secrets.anthropic-key", "bot.py", 'key = "sk-' + "ant-api03-" + "x" * 90 + '"'),
    ("secrets.github-token", "ci.yml", "token: ${{ secrets.GITHUB_TOKEN }}"),
    ("secrets.slack-token", "notify.py", 'token = "xo' + 'xb-your-bot-token-here"'),
    (
        "secrets.slack-webhook",
        "a.js",
        'url = "https://hooks.slack.com/services/' + "T000/B000/" + "X" * 24 + '"',
    ),
    (
        "secrets.supabase-service-role",
        "client.ts",
        f'createClient(URL, "{g.supabase_key("anon")}")',
    ),
    (
        "secrets.private-key",
        "README.md",
        "Put your key between -----BEGIN PRIVATE" + " KEY----- and the END line.",
    ),
    ("secrets.jwt-secret", "auth.js", "jwt.sign(payload, process.env.JWT_SECRET);"),
    ("secrets.database-url", "db.py", 'URL = "postgres://postgres:postgres@localhost:5432/app"'),
    (
        "secrets.provider-token",
        "mail.py",
        'SENDGRID_API_KEY = "SG.' + "x" * 22 + "." + "x" * 43 + '"',
    ),
    ("secrets.generic-secret", "config.ts", 'export const config = { apiKey: "YOUR_API_KEY" };'),
]


@pytest.mark.parametrize(("rule_id", "path", "content"), NEGATIVE_CASES)
def test_look_alike_is_not_reported(rule, rule_id, path, content):
    assert rule(rule_id, {path: content + "\n"}).status is Status.PASSED


def test_env_vault_and_env_code_files_are_not_env_files(rule):
    files = {".env.vault": "DOTENV_VAULT_PRODUCTION=encrypted\n", "src/.env.ts": "export {}\n"}
    assert rule("secrets.env-file-committed", files).passed


def test_clerk_keys_sharing_stripes_prefix_are_named_by_their_variable(rule):
    result = rule(
        "secrets.stripe-key", {".env.local": f"CLERK_SECRET_KEY={g.stripe_key(seed=4)}\n"}
    )
    assert only(result).message.startswith("Clerk live secret key")
