"""Secret detection compared with Yelp's detect-secrets on the same corpus: planted secrets of
29 kinds (generated at run time from parts, so no key-shaped literal lives in this file), 27
kinds of look-alikes that must not be reported (placeholders, documentation examples, values
that are public by design, hashes, ids), and ordinary source files.

For each tool it prints recall (planted secrets reported on their line), false positives
(reports anywhere else) and the time to scan the corpus.

    .venv/bin/pip install detect-secrets   # the comparison needs it
    .venv/bin/python benchmarks/bench_secrets.py [--copies 8] [--ordinary 1000]
"""

from __future__ import annotations

import argparse
import base64
import importlib.metadata
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan_engine import py_module, ts_module, tsx_component  # noqa: E402

from apps.scans.engine import all_rules, scan_directory  # noqa: E402

B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"


def rand(rng: random.Random, n: int, alphabet: str = B62) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64url(data: dict | bytes) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def jwt(rng: random.Random, claims: dict) -> str:
    return f"{b64url({'alg': 'HS256', 'typ': 'JWT'})}.{b64url(claims)}.{rand(rng, 43, B62 + '-_')}"


def pem(rng: random.Random, kind: str) -> str:
    body = base64.b64encode(rng.randbytes(900)).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    marker = f"{kind}PRIVATE" + " KEY"
    return f"-----BEGIN {marker}-----\n{lines}\n-----END {marker}-----"


def b64(rng: random.Random, size: int) -> str:
    return base64.b64encode(rng.randbytes(size)).decode()


def uuid4_like(r: random.Random) -> str:
    parts = (rand(r, 8, HEX), rand(r, 4, HEX), "4" + rand(r, 3, HEX), "a" + rand(r, 3, HEX))
    return "-".join(parts) + "-" + rand(r, 12, HEX)


def slack_webhook(r: random.Random) -> str:
    return (
        f"https://hooks.slack.{'com'}/services/T{rand(r, 8, UP)}/B{rand(r, 10, UP)}/{rand(r, 24)}"
    )


def supabase_key(r: random.Random, role: str) -> str:
    return jwt(r, {"iss": "supabase", "ref": rand(r, 20, "abcdefghijklmnopqrst"), "role": role})


# Each maker returns (file name, file content, line of the secret or look-alike).
Maker = Callable[[random.Random], tuple[str, str, int]]


def in_code(name: str, line: str, lead: int = 3) -> tuple[str, str, int]:
    prefix = "".join(f"// generated line {i}\n" for i in range(lead))
    if name.endswith((".py", ".yml", ".yaml", ".env", ".toml", ".ini")) or "." not in name:
        prefix = "".join(f"# generated line {i}\n" for i in range(lead))
    return name, prefix + line + "\nexport_default = 1\n", lead + 1


PLANTED: dict[str, Maker] = {
    "aws access key id": lambda r: in_code(
        "aws.ts", f'const accessKeyId = "AK{"IA"}{rand(r, 16, UP)}";'
    ),
    "aws secret key": lambda r: in_code(
        "credentials", f"aws_secret_access_key = {rand(r, 40, B62 + '/+')}"
    ),
    "stripe live secret": lambda r: in_code(
        "pay.py", f'stripe.api_key = "sk_{"live"}_{rand(r, 24)}"'
    ),
    "stripe restricted": lambda r: in_code("stripe.env", f"STRIPE_RK=rk_{'live'}_{rand(r, 24)}"),
    "stripe webhook": lambda r: in_code("hook.ts", f'const whsec = "whsec_{rand(r, 32)}";'),
    "openai project key": lambda r: in_code(
        "ai.ts",
        f'const openai = new OpenAI({{ apiKey: "sk-{"proj"}-{rand(r, 48, B62 + "_-")}" }});',
    ),
    "openai legacy key": lambda r: in_code(
        "ai.py", f'openai.api_key = "sk-{rand(r, 20)}T3Blbk{"FJ"}{rand(r, 20)}"'
    ),
    "anthropic key": lambda r: in_code(
        "claude.py", f'client = Anthropic(api_key="sk-{"ant"}-api03-{rand(r, 93, B62 + "_-")}AA")'
    ),
    "github classic token": lambda r: in_code("deploy.yml", f"token: gh{'p'}_{rand(r, 36)}"),
    "github fine-grained": lambda r: in_code(
        "gh.ts", f'const pat = "github_{"pat"}_{rand(r, 22)}_{rand(r, 59)}";'
    ),
    "slack bot token": lambda r: in_code(
        "slack.py", f'SLACK = "xo{"xb"}-{rand(r, 12, "0123456789")}-{rand(r, 24)}"'
    ),
    "slack webhook": lambda r: in_code("alert.js", f'const hook = "{slack_webhook(r)}";'),
    "supabase service role": lambda r: in_code(
        "admin.ts",
        f'const admin = createClient(url, "{supabase_key(r, "service_role")}");',
    ),
    "supabase secret key": lambda r: in_code(
        "supa.env", f"SUPABASE_SECRET=sb_{'secret'}_{rand(r, 31)}"
    ),
    "rsa private key": lambda r: ("server.pem", pem(r, "RSA ") + "\n", 1),
    "openssh private key": lambda r: ("id_ed25519", pem(r, "OPENSSH ") + "\n", 1),
    "google api key": lambda r: in_code(
        "maps.py", f'MAPS_KEY = "AI{"za"}{rand(r, 35, B62 + "-_")}"'
    ),
    "sendgrid key": lambda r: in_code(
        "mail.ts", f'sg.setApiKey("S{"G"}.{rand(r, 22)}.{rand(r, 43, B62 + "-_")}");'
    ),
    "jwt secret in .env": lambda r: in_code(".env.production", f"JWT_SECRET={rand(r, 40)}"),
    "django secret key": lambda r: in_code(
        "settings.py", f"SECRET_KEY = 'django-insecure-{rand(r, 40, B62 + '!@#%^&*(-_=+)')}'"
    ),
    "generic api key": lambda r: in_code(
        "config.ts", f'export const config = {{ apiKey: "{rand(r, 32)}" }};'
    ),
    "compose db password": lambda r: in_code(
        "docker-compose.yml", f"      POSTGRES_PASSWORD: {rand(r, 12)}!{rand(r, 4, '0123456789')}"
    ),
    "database url": lambda r: in_code(
        "db.py",
        f'DATABASE_URL = "postgresql://app:{rand(r, 24)}@db.{rand(r, 6, HEX)}.rds.amazonaws.com/a"',
    ),
    "twilio api key": lambda r: in_code("sms.js", f'const twilioKey = "S{"K"}{rand(r, 32, HEX)}";'),
    "npm token": lambda r: in_code(
        ".npmrc", f"//registry.npmjs.org/:_authToken=np{'m'}_{rand(r, 36)}"
    ),
    # Issue 14: documentation, notebooks, connection strings and login credentials.
    "token in a readme": lambda r: (
        "README.md",
        f"# App\n\nRun:\n\n```bash\nexport ADMIN_TOKEN={rand(r, 32)}\nnpm start\n```\n",
        6,
    ),
    "key in a notebook": lambda r: notebook(r),  # noqa: PLW0108 - defined below
    "mongodb+srv url": lambda r: in_code(
        "db.ts",
        f'const uri = "mongodb+srv://app:{rand(r, 20)}@cluster0.{rand(r, 5, HEX)}.mongodb.net/a";',
    ),
    "demo password in a login call": lambda r: in_code(
        "Login.tsx",
        "await supabase.auth.signInWithPassword({ email: 'demo@acme.com', password: 'demo1234' });",
    ),
}


def notebook(r: random.Random) -> tuple[str, str, int]:
    cell = {
        "cell_type": "code",
        "source": ["import openai\n", f'client_secret = "{rand(r, 32)}"\n'],
    }
    text = json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )
    return "explore.ipynb", text, text[: text.index("client_secret")].count("\n") + 1


JWT_IO_EXAMPLE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

LOOK_ALIKES: dict[str, Maker] = {
    "stripe xxx placeholder": lambda r: in_code(
        "pay.py", 'stripe.api_key = "sk_' + "test_" + "x" * 24 + '"'
    ),
    "stripe your-key": lambda r: in_code(
        "pay.ts", 'const key = "sk_' + 'live_YOUR_SECRET_KEY_HERE";'
    ),
    "stripe sequential": lambda r: in_code(
        "stripe.env", "STRIPE_SECRET_KEY=sk_" + "test_1234567890abcdefghij"
    ),
    "stripe publishable": lambda r: in_code(
        "checkout.ts", f'loadStripe("pk_{"live"}_{rand(r, 24)}");'
    ),
    "aws docs example": lambda r: in_code(
        "aws.py", 'AWS_ACCESS_KEY_ID = "AKIA' + 'IOSFODNN7EXAMPLE"'
    ),
    "YOUR_API_KEY": lambda r: in_code("ai.py", 'OPENAI_API_KEY = "YOUR_API_KEY"'),
    "angle placeholder": lambda r: in_code("ai.ts", 'const apiKey = "<your-openai-api-key>";'),
    "template reference": lambda r: in_code("config.yml", "api_key: ${OPENAI_API_KEY}"),
    "env reference": lambda r: in_code("server.ts", "const secret = process.env.JWT_SECRET!;"),
    "github xxx": lambda r: in_code("gh.yml", "token: ghp_" + "x" * 36),
    "supabase anon key": lambda r: in_code(
        "client.ts",
        f'export const supabase = createClient(url, "{supabase_key(r, "anon")}");',
    ),
    "firebase web config": lambda r: (
        "firebase.ts",
        (
            "const firebaseConfig = {\n"
            f'  apiKey: "AI{"za"}{rand(r, 35, B62 + "-_")}",\n'
            '  authDomain: "shop-123.firebaseapp.com",\n  projectId: "shop-123",\n};\n'
        ),
        2,
    ),
    "jwt.io example token": lambda r: in_code("auth.test.ts", f'const token = "{JWT_IO_EXAMPLE}";'),
    "package-lock integrity": lambda r: (
        "package-lock.json",
        json.dumps(
            {
                "packages": {
                    "node_modules/a": {
                        "integrity": "sha512-" + base64.b64encode(r.randbytes(64)).decode()
                    }
                }
            },
            indent=2,
        ),
        4,
    ),
    "git commit sha": lambda r: in_code("renovate.json", f'"rev": "{rand(r, 40, HEX)}",'),
    "uuid id": lambda r: in_code(
        "seed.ts",
        f'const projectId = "{uuid4_like(r)}";',
    ),
    "sri hash": lambda r: in_code(
        "index.html",
        f'<script src="/a.js" integrity="sha384-{b64(r, 48)}"></script>',
    ),
    "data uri": lambda r: in_code(
        "logo.ts",
        f'export const logo = "data:image/png;base64,{b64(r, 120)}";',
    ),
    "changeme password": lambda r: in_code(
        "docker-compose.yml", "      POSTGRES_PASSWORD: changeme"
    ),
    "local database url": lambda r: in_code(
        "db.py", 'DATABASE_URL = "postgres://postgres:postgres@localhost:5432/app"'
    ),
    "env lookup secret key": lambda r: in_code(
        "settings.py", 'SECRET_KEY = os.environ["SECRET_KEY"]'
    ),
    "private key placeholder": lambda r: (
        "key.pem",
        "-----BEGIN PRIVATE" + " KEY-----\n...paste your key here...\n-----END PRIVATE KEY-----\n",
        1,
    ),
    "example env file": lambda r: in_code(".env.example", "OPENAI_API_KEY=sk-your-key-here"),
    "i18n label": lambda r: in_code(
        "en.json", '"passwordResetToken": "Password reset token sent",'
    ),
    "readme placeholders": lambda r: (
        "README.md",
        (
            "# App\n\n```bash\nexport OPENAI_API_KEY=<your-key>\nexport API_KEY=YOUR_API_KEY\n"
            "DATABASE_URL=postgresql://user:password@host:5432/db\n```\n"
        ),
        5,
    ),
    "login form variables": lambda r: in_code(
        "Login.tsx", "await supabase.auth.signInWithPassword({ email, password });"
    ),
    "webpack chunk hash": lambda r: in_code(
        "manifest.json", f'"main.js": "/static/js/main.{rand(r, 20, HEX)}.js",'
    ),
}


@dataclass(frozen=True, slots=True)
class Planted:
    path: str
    line: int
    kind: str
    secret: bool


def build_corpus(root: Path, copies: int, ordinary: int) -> list[Planted]:
    rng = random.Random(2024)
    items: list[Planted] = []
    for secret, makers in ((True, PLANTED), (False, LOOK_ALIKES)):
        for kind, make in makers.items():
            for copy in range(copies):
                name, content, line = make(rng)
                path = (
                    f"{'planted' if secret else 'lookalike'}/{kind.replace(' ', '-')}/{copy}/{name}"
                )
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text(content)
                items.append(Planted(path, line, kind, secret))
    makers = (tsx_component, ts_module, py_module)
    suffixes = (".tsx", ".ts", ".py")
    for i in range(ordinary):
        which = i % 3
        path = root / "ordinary" / f"d{i % 20}" / f"m{i}{suffixes[which]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(makers[which](rng))
    return items


# Not compared: .env files (a file, not a value), local development defaults (reported low
# by design: the "local database url" look-alike would count against us) and git history
# (the corpus is not a repository).
_NOT_COMPARED = frozenset(
    {"secrets.env-file-committed", "secrets.dev-default-credentials", "secrets.in-history"}
)
SECRET_RULES = [r.id for r in all_rules() if r.category == "secrets" and r.id not in _NOT_COMPARED]


def run_engine(root: Path) -> tuple[set[tuple[str, int]], float]:
    started = time.perf_counter()
    report = scan_directory(root, rules=SECRET_RULES)
    elapsed = time.perf_counter() - started
    found = {(f.path, f.line) for r in report.results for f in r.findings}
    return found, elapsed


def run_detect_secrets(root: Path, processes: int) -> tuple[set[tuple[str, int]], float]:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    # detect-secrets reports paths relative to the working directory: scan from the root.
    previous = Path.cwd()
    os.chdir(root)
    try:
        paths = [str(p.relative_to(root)) for p in sorted(root.rglob("*")) if p.is_file()]
        started = time.perf_counter()
        collection = SecretsCollection()
        with default_settings():
            collection.scan_files(*paths, num_processors=processes)
        elapsed = time.perf_counter() - started
    finally:
        os.chdir(previous)
    return {(filename, secret.line_number) for filename, secret in collection}, elapsed


def score(name: str, found: set[tuple[str, int]], items: list[Planted], elapsed: float) -> dict:
    planted = {(i.path, i.line): i for i in items if i.secret}
    hits = {key for key in planted if key in found}
    false_positives = found - set(planted)
    per_kind_recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, item in planted.items():
        per_kind_recall[item.kind][1] += 1
        per_kind_recall[item.kind][0] += key in hits
    lookalike_kind = {i.path: i.kind for i in items if not i.secret}
    fp_kinds = Counter(lookalike_kind.get(path, "other/ordinary") for path, _ in false_positives)
    return {
        "name": name,
        "recall": len(hits) / len(planted),
        "hits": len(hits),
        "planted": len(planted),
        "false_positives": len(false_positives),
        "seconds": elapsed,
        "per_kind": per_kind_recall,
        "fp_kinds": fp_kinds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--copies", type=int, default=8, help="files per planted or look-alike kind"
    )
    parser.add_argument("--ordinary", type=int, default=1000, help="ordinary source files")
    args = parser.parse_args()
    try:
        version = importlib.metadata.version("detect-secrets")
    except importlib.metadata.PackageNotFoundError:
        sys.exit("detect-secrets is not installed: .venv/bin/pip install detect-secrets")

    with tempfile.TemporaryDirectory(prefix="bench-secrets-") as tmp:
        root = Path(tmp)
        items = build_corpus(root, args.copies, args.ordinary)
        planted = sum(i.secret for i in items)
        print(
            f"corpus: {planted} planted secrets ({len(PLANTED)} kinds), "
            f"{len(items) - planted} look-alikes ({len(LOOK_ALIKES)} kinds), "
            f"{args.ordinary} ordinary source files"
        )
        found, seconds = run_engine(root)
        engine = score("launchpad engine (1 process)", found, items, seconds)
        found, seconds = run_detect_secrets(root, processes=1)
        ds_one = score(f"detect-secrets {version} (1 process)", found, items, seconds)
        found, seconds = run_detect_secrets(root, processes=2)
        ds_two = score(f"detect-secrets {version} (2 processes)", found, items, seconds)

    print()
    print(f"{'tool':<36} {'recall':>16} {'false positives':>16} {'time':>9}")
    for result in (engine, ds_one, ds_two):
        recall = f"{result['hits']}/{result['planted']} {result['recall']:.0%}"
        fps = result["false_positives"]
        print(f"{result['name']:<36} {recall:>16} {fps:>16} {result['seconds']:>8.2f}s")

    print("\nrecall by kind (engine | detect-secrets):")
    for kind in PLANTED:
        ours = engine["per_kind"][kind]
        theirs = ds_one["per_kind"][kind]
        print(f"  {kind:<24} {ours[0]:>2}/{ours[1]:<2} | {theirs[0]:>2}/{theirs[1]}")
    print("\nfalse positives by look-alike kind (engine | detect-secrets):")
    kinds = sorted(set(engine["fp_kinds"]) | set(ds_one["fp_kinds"]))
    for kind in kinds:
        print(f"  {kind:<24} {engine['fp_kinds'][kind]:>3} | {ds_one['fp_kinds'][kind]}")


if __name__ == "__main__":
    main()
