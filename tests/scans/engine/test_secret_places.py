"""Secrets everywhere a person leaves them (issue 14, item 1): documentation and notebooks,
connection strings in any file, passwords assigned by name, and login credentials that the
code itself uses (a login call, a prefilled form, a seed script), with a severity that
follows where they are. Placeholders stay quiet; every finding says why it is believed."""

from __future__ import annotations

import json

import pytest

from apps.scans.engine import Severity, Status

from . import gitrepo as g

VITE_APP = json.dumps(
    {"name": "app", "dependencies": {"react": "^18.3.1"}, "devDependencies": {"vite": "^5.4.1"}}
)


def findings(result):
    assert result.status is Status.FAILED, result.summary
    return result.findings


def only(result):
    found = findings(result)
    assert len(found) == 1, found
    return found[0]


# --- documentation and notes -------------------------------------------------------------------

DOC_TOKEN = g.random_text(32, seed=21)


@pytest.mark.parametrize(
    ("path", "content", "line"),
    [
        ("docs/deploy.md", f"# Deploy\n\n```bash\nexport ADMIN_TOKEN={DOC_TOKEN}\n```\n", 4),
        ("NOTES.txt", f"staging creds\nAPI_KEY={DOC_TOKEN}\n", 2),
        (
            "docs/setup.adoc",
            f"== Setup\n\n[source,python]\n----\napi_key = '{DOC_TOKEN}'\n----\n",
            5,
        ),
        ("docs/index.rst", f'Setup\n=====\n\n.. code-block:: js\n\n   apiKey: "{DOC_TOKEN}"\n', 6),
        ("CHANGELOG.markdown", f'- rotated: `client_secret = "{DOC_TOKEN}"`\n', 1),
    ],
)
def test_secrets_assigned_in_documentation_are_found(rule, path, content, line):
    """The name-based pass used to skip every documentation suffix (paths.DOC_SUFFIXES), so a
    token pasted into a README's shell block was never reported."""
    finding = only(rule("secrets.generic-secret", {path: content}))
    assert finding.path == path
    assert finding.line == line
    assert finding.snippet == "…" + DOC_TOKEN[-4:]
    assert "entropy" in finding.reason


def test_provider_keys_in_documentation_are_found(rule):
    readme = f"# Bot\n\nRun it with:\n\n    OPENAI_API_KEY={g.openai_key()} npm start\n"
    finding = only(rule("secrets.openai-key", {"README.md": readme}))
    assert finding.line == 5
    assert finding.reason.startswith("matches the OpenAI API key format")


DOC_PLACEHOLDERS = (
    "# Configuration\n\n"
    "Set your api_key: it looks like Zx81kQp03LmNvB7aTy6W in the dashboard.\n\n"
    "```bash\n"
    "export STRIPE_SECRET_KEY=sk_" + "test_xxx\n"
    "export OPENAI_API_KEY=<your-key>\n"
    "export API_KEY=YOUR_API_KEY\n"
    "export JWT_SECRET=your-jwt-secret-here\n"
    "DATABASE_URL=postgresql://user:password@host:5432/db\n"
    "DATABASE_URL=postgresql://postgres:[YOUR-PASSWORD]@db.abcdefgh.supabase.co:5432/postgres\n"
    "```\n\n"
    'In code: `const stripe = new Stripe("sk_' + 'test_xxx")` and `password = "<password>"`.\n'
    "The password field must be at least 8 characters; the token expires after an hour.\n"
)


@pytest.mark.parametrize("path", ["README.md", "docs/config.adoc", "notes.txt", "docs/a.rst"])
def test_placeholders_in_documentation_stay_quiet(scan_repo, path):
    report = scan_repo({path: DOC_PLACEHOLDERS})
    reported = [
        (r.rule_id, f.line) for r in report.results if r.category == "secrets" for f in r.findings
    ]
    assert reported == []


def _notebook(cells: list[dict]) -> str:
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_notebook_cells_and_outputs_are_read_with_the_lines_of_the_file(scan_repo):
    secret = g.random_text(32, seed=22)
    token = g.github_token(seed=3)
    notebook = _notebook(
        [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Exploration\n"]},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": ["import requests\n", f'client_secret = "{secret}"\n'],
                "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"{token}\n"]}],
            },
        ]
    )
    report = scan_repo({"analysis/explore.ipynb": notebook})
    # In the file the quotes are escaped (\"): read as raw JSON, no assignment is seen.
    generic = only(report.result("secrets.generic-secret"))
    assert generic.path == "analysis/explore.ipynb"
    assert generic.line == _line_of(notebook, secret)
    assert "notebook cell 2" in generic.reason
    printed = only(report.result("secrets.github-token"))
    assert printed.line == _line_of(notebook, token)
    assert "notebook cell 2" in printed.reason


def test_notebook_placeholders_stay_quiet_and_broken_json_is_read_as_text(scan_repo):
    quiet = _notebook(
        [{"cell_type": "code", "source": ['openai.api_key = "YOUR_API_KEY"\n', "pass\n"]}]
    )
    broken = '{"cells": [ "source": "' + g.stripe_key(seed=5) + '"'
    report = scan_repo({"a.ipynb": quiet, "b.ipynb": broken})
    assert report.result("secrets.openai-key").passed
    assert only(report.result("secrets.stripe-key")).path == "b.ipynb"


# --- connection strings ------------------------------------------------------------------------

PASSWORD = g.random_text(20, seed=23)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            f"postgres://app:{PASSWORD}@db.acme-prod.net:5432/app",
            "postgres://app:…@db.acme-prod.net",
        ),
        (
            f"postgresql+asyncpg://app:{PASSWORD}@10.0.3.7.nip.io/app",
            "postgresql+asyncpg://app:…@10.0.3.7.nip.io",
        ),
        (f"mysql://root:{PASSWORD}@mysql.acme-prod.net/shop", "mysql://root:…@mysql.acme-prod.net"),
        (f"mongodb://app:{PASSWORD}@mongo1.acme.io:27017/app", "mongodb://app:…@mongo1.acme.io"),
        (
            f"mongodb+srv://app:{PASSWORD}@cluster0.ab1cd.mongodb.net/app",
            "mongodb+srv://app:…@cluster0.ab1cd.mongodb.net",
        ),
        (f"redis://:{PASSWORD}@redis-1234.c1.cloud.redislabs.com:1234", "redis://:…@redis-1234"),
        (f"rediss://default:{PASSWORD}@eu1-fox.upstash.io:6379", "rediss://default:…@eu1-fox"),
        (f"amqp://app:{PASSWORD}@rabbit.cloudamqp.com/vhost", "amqp://app:…@rabbit.cloudamqp.com"),
    ],
)
@pytest.mark.parametrize("path", ["src/db.ts", "docker-compose.yml", "docs/runbook.md"])
def test_connection_strings_with_inline_passwords_in_any_file(rule, url, shown, path):
    finding = only(rule("secrets.database-url", {path: f"# service\nURL = '{url}'\n"}))
    assert finding.line == 2
    assert finding.severity is Severity.HIGH
    assert finding.snippet.startswith(shown)
    assert PASSWORD not in finding.snippet
    assert "inline password" in finding.reason


def test_a_default_password_on_a_real_host_is_medium(rule):
    url = "postgres://admin:postgres@db.acme-prod.net:5432/app"
    finding = only(rule("secrets.database-url", {"config.py": f"URL = '{url}'\n"}))
    assert finding.severity is Severity.MEDIUM
    assert "default password" in finding.reason


COMPOSE = """services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: postgres
  api:
    environment:
      DATABASE_URL: postgres://postgres:postgres@db:5432/app
      TEST_DATABASE_URL: postgresql://postgres:postgres@localhost:5432/test
      BROKER_URL: amqp://guest:guest@127.0.0.1:5672//
"""


def test_local_development_defaults_are_reported_low_and_not_as_secrets(scan_repo):
    report = scan_repo({"docker-compose.yml": COMPOSE})
    assert report.result("secrets.database-url").passed
    local = findings(report.result("secrets.dev-default-credentials"))
    assert [(f.line, f.severity) for f in local] == [
        (8, Severity.LOW),
        (9, Severity.LOW),
        (10, Severity.LOW),
    ]
    assert "local or compose-internal host (db)" in local[0].reason
    # Seen, but no gap: every dev docker-compose has such a password.
    checklist = report.checklist()["security.no-committed-secrets"]
    assert "secrets.dev-default-credentials" not in checklist["failed"]
    assert checklist["status"] == "verified"


def test_a_repository_without_local_defaults_passes_the_dev_defaults_rule(rule):
    assert rule("secrets.dev-default-credentials", {"src/db.ts": "export const db = 1;\n"}).passed


@pytest.mark.parametrize(
    "url",
    [
        "postgres://app:${DB_PASSWORD}@db.acme-prod.net/app",
        "postgres://app:<password>@db.acme-prod.net/app",
        "postgres://app:changeme@db.acme-prod.net/app",
        "postgresql://user:password@host:5432/db",
        "mysql://user:pass@localhost/db",
        "mongodb+srv://<user>:<password>@cluster0.mongodb.net/app",
        "redis://:****@redis.acme-prod.net:6379",
        "postgres://app:secret@db.example.com/app",
    ],
)
def test_placeholder_passwords_in_connection_strings_are_not_reported(scan_repo, url):
    report = scan_repo({"README.md": f"DATABASE_URL={url}\n", "app.py": f"URL = '{url}'\n"})
    assert report.result("secrets.database-url").passed
    assert report.result("secrets.dev-default-credentials").passed


# --- passwords assigned by name ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("config/database.yml", "DB_PASS: Xk9mQ2vL7pR!"),
        ("src/admin.ts", 'const adminPassword = "Xk9mQ2vL7pR!";'),
        ("settings.py", 'password = "Xk9mQ2vL7pR!"'),
        ("deploy/values.yaml", "  adminPassword: 'Xk9mQ2vL7pR!'"),
        ("mail.php", "$smtp_pass = 'Xk9mQ2vL7pR!';"),
    ],
)
def test_passwords_assigned_by_name(rule, path, line):
    finding = only(rule("secrets.generic-secret", {path: line + "\n"}))
    assert finding.message.startswith("Literal password committed")
    assert finding.snippet == "…"


@pytest.mark.parametrize(
    "line",
    [
        "DB_PASS: changeme",
        "DB_PASS: ${DB_PASSWORD}",
        'password = "<password>"',
        'password = os.environ["DB_PASSWORD"]',
        "adminPassword: process.env.ADMIN_PASSWORD",
        "bypass: true",
        "compass_heading = 'north-north-west'",
        "passport_strategy = 'jwt-bearer-token'",
    ],
)
def test_placeholder_passwords_by_name_stay_quiet(rule, line):
    assert rule("secrets.generic-secret", {"config/app.yml": line + "\n"}).passed


# --- credentials the code uses -----------------------------------------------------------------


def test_a_demo_password_in_a_client_login_call_is_a_critical_credential(rule):
    """The issue's report: "demo1234" reads like a placeholder, so the name-based pass dropped
    it; passed to signInWithPassword in browser code, it opens the demo account for everyone."""
    login = (
        "export async function signInDemo() {\n"
        "  return supabase.auth.signInWithPassword({\n"
        "    email: 'demo@acme.com',\n"
        "    password: 'demo1234',\n"
        "  });\n}\n"
    )
    files = {"package.json": VITE_APP, "src/pages/Login.tsx": login}
    assert rule("secrets.generic-secret", files).passed  # still a placeholder to that pass
    finding = only(rule("secrets.hardcoded-credential", files))
    assert (finding.path, finding.line) == ("src/pages/Login.tsx", 4)
    assert finding.severity is Severity.CRITICAL
    assert "browser" in finding.message
    assert "signInWithPassword" in finding.reason
    assert "demo1234" not in json.dumps([finding.message, finding.snippet, finding.reason])


CLIENT_CASES = [
    (
        "firebase positional",
        "await signInWithEmailAndPassword(auth, 'admin@acme.com', 'Admin123!');",
    ),
    ("next-auth", "signIn('credentials', { email: 'demo@acme.com', password: 'password' });"),
    ("prefilled state", "const [password, setPassword] = useState('demo123');"),
    ("prefilled input", '<input type="password" name="pw" defaultValue="demo123" />'),
    ("form defaults", "useForm({ defaultValues: { email: '', password: 'Welcome1' } });"),
    ("demo button", "onClick={() => { setEmail('demo@acme.com'); setPassword('demo123'); }}"),
    ("credential pair", "const DEMO = { email: 'demo@acme.com', password: 'demo' };"),
]


@pytest.mark.parametrize(("case", "line"), CLIENT_CASES)
def test_login_credentials_in_browser_code_are_critical(rule, case, line):
    files = {"package.json": VITE_APP, "src/components/LoginForm.tsx": f"// {case}\n{line}\n"}
    finding = only(rule("secrets.hardcoded-credential", files))
    assert finding.line == 2
    assert finding.severity is Severity.CRITICAL


def test_a_login_credential_in_server_code_is_high(rule):
    code = "const session = await login('ops@acme.com', 'R3port!ng');\n"
    files = {"package.json": VITE_APP, "server/jobs/report.ts": code}
    finding = only(rule("secrets.hardcoded-credential", files))
    assert finding.severity is Severity.HIGH
    assert "login call" in finding.message


SEED_CASES = [
    (
        "prisma/seed.ts",
        (
            "await prisma.user.create({\n  data: { email: 'admin@acme.com', "
            "password: await bcrypt.hash('Admin123!', 10) },\n});\n"
        ),
        2,
    ),
    (
        "supabase/seed.sql",
        (
            "insert into auth.users (email, encrypted_password)\n"
            "values ('admin@acme.com', crypt('password123', gen_salt('bf')));\n"
        ),
        2,
    ),
    ("scripts/seed_users.py", "User.objects.create_user('admin', password='admin')\n", 1),
    ("db/seeds/admin.rb", "User.create!(email: 'a@acme.com', password: 'secret99')\n", 1),
    ("src/lib/demo-data.ts", "export const users = [{ name: 'Ann', password: 'ann' }];\n", 1),
]


@pytest.mark.parametrize(("path", "content", "line"), SEED_CASES)
def test_seed_and_demo_scripts_creating_users_are_medium(rule, path, content, line):
    files = {"package.json": VITE_APP, path: content}
    finding = only(rule("secrets.hardcoded-credential", files))
    assert (finding.path, finding.line) == (path, line)
    assert finding.severity is Severity.MEDIUM
    assert "seed" in finding.message


@pytest.mark.parametrize(
    "path", ["src/__tests__/login.test.tsx", "e2e/login.spec.ts", "tests/test_auth.py"]
)
def test_login_credentials_in_tests_are_not_reported(rule, path):
    code = (
        "await page.login('qa@acme.com', 'Qa-Pass-1');\n"
        "signIn({ email: 'a@b.co', password: 'x1y2z3' })\n"
    )
    assert rule("secrets.hardcoded-credential", {path: code}).passed


NOT_CREDENTIALS = """
await supabase.auth.signInWithPassword({ email, password });
await supabase.auth.signInWithPassword({ email: form.email, password: form.password });
signIn('credentials', { email: 'demo@acme.com', password: process.env.DEMO_PASSWORD });
const [password, setPassword] = useState('');
const [passwordError, setPasswordError] = useState<string>('');
<input type="password" placeholder="Enter your password" value={password} />
useForm({ defaultValues: { email: '', password: '' } });
if (password === 'admin') setWeak(true);
const DEMO = { email: 'demo@acme.com', password: '<your-password>' };
login('admin@acme.com', `${password}`);
"""


def test_login_code_without_a_literal_password_passes(rule):
    files = {"package.json": VITE_APP, "src/pages/Login.tsx": NOT_CREDENTIALS}
    assert rule("secrets.hardcoded-credential", files).passed


def test_every_secret_finding_says_why_it_is_believed(scan_repo):
    files = {
        "package.json": VITE_APP,
        "src/pay.ts": f'const key = "{g.stripe_key()}";\n',
        "key.pem": g.private_key_pem(),
        "src/db.ts": f"const url = 'postgres://app:{PASSWORD}@db.acme-prod.net/app';\n",
        "server/auth.js": "jwt.sign(payload, 'm9Fq2xTzL7pWvB4k');\n",
        "src/Login.tsx": "signInWithPassword({ email: 'a@acme.com', password: 'demo1234' })\n",
        "docker-compose.yml": COMPOSE,
    }
    report = scan_repo(files)
    secret_findings = [
        (r.rule_id, f) for r in report.results if r.category == "secrets" for f in r.findings
    ]
    assert len(secret_findings) >= 6
    for rule_id, finding in secret_findings:
        assert finding.reason, rule_id
        assert PASSWORD not in finding.reason
