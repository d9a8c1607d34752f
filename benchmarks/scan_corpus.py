"""The scan-accuracy corpus: seeded prototypes in the shape Lovable, V0, Replit, Bolt and Cursor
export them, each a git repository with planted faults and clean look-alikes, and the ground
truth as labels. `bench_scan_accuracy.py` scans them; the tests build a small one.

It knows nothing of the engine: a label says what a person reviewing the export would call a
fault (or would call clean), never which rule should say so. Credential-shaped values are
built at run time from parts and the seeded generator, so no key-like literal lives here.

    from scan_corpus import build_corpus
    corpus = build_corpus(Path("/tmp/corpus"), seed=14, per_builder=2)
    corpus.repos[0].path, corpus.repos[0].labels
"""

# The builders are long on purpose: one function reads as one export, its choices in the order
# the builder makes them; and the SQL here is migration text written to files, never run.
# ruff: noqa: PLR0912, PLR0915, S608

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FAMILIES = (
    "secrets",
    "secrets-history",
    "production-signals",
    "ci",
    "supabase/api-exposure",
    "stack",
    "dependencies",
)
# What every repository is labelled for, present (planted) or absent (clean).
STACK_TECHS = (
    "typescript",
    "tailwind",
    "prisma",
    "drizzle",
    "mongodb",
    "supabase",
    "stripe",
    "openai",
    "anthropic",
    "clerk",
    "trpc",
    "nextjs",
    "react-vite",
    "express",
    "flask",
)
BUILDERS = ("lovable", "v0", "replit", "bolt", "cursor")

B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"
LOWER = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Label:
    """One ground-truth fact about one repository. `planted` is a fault a reviewer would
    report; otherwise a clean look-alike that must not be. `line` is 1-based, in the commit
    that added it for history labels; None for a fact about a whole file or repository."""

    repo: str
    family: str
    kind: str
    path: str | None
    line: int | None
    planted: bool


@dataclass(slots=True)
class Repo:
    name: str
    builder: str
    path: Path
    labels: list[Label] = field(default_factory=list)
    files: int = 0
    commits: int = 0


@dataclass(slots=True)
class Corpus:
    root: Path
    seed: int
    repos: list[Repo]

    @property
    def labels(self) -> list[Label]:
        return [label for repo in self.repos for label in repo.labels]


# --- credential-shaped values, from parts --------------------------------------------------------


def rand(rng: random.Random, n: int, alphabet: str = B62) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def supabase_ref(rng: random.Random) -> str:
    return rand(rng, 20, LOWER)


def supabase_jwt(rng: random.Random, ref: str, role: str) -> str:
    claims = {
        "iss": "supa" + "base",
        "ref": ref,
        "role": role,
        "iat": 1718000000,
        "exp": 2033576000,
    }
    return (
        f"{_b64url({'alg': 'HS256', 'typ': 'JWT'})}.{_b64url(claims)}.{rand(rng, 43, B62 + '-_')}"
    )


def stripe_secret(rng: random.Random) -> str:
    return "sk_" + "live_" + rand(rng, 24) + rand(rng, 75)


def stripe_publishable(rng: random.Random) -> str:
    return "pk_" + "live_" + rand(rng, 24) + rand(rng, 75)


def openai_key(rng: random.Random) -> str:
    return "sk-" + "proj-" + rand(rng, 48, B62 + "-_") + "T3Blbk" + "FJ" + rand(rng, 48, B62 + "-_")


def anthropic_key(rng: random.Random) -> str:
    return "sk-" + "ant-api03-" + rand(rng, 93, B62 + "-_") + "AA"


def github_token(rng: random.Random) -> str:
    return "gh" + "p_" + rand(rng, 36)


def resend_key(rng: random.Random) -> str:
    return "re" + "_" + rand(rng, 8) + "_" + rand(rng, 24)


def aws_key_id(rng: random.Random) -> str:
    return "AK" + "IA" + rand(rng, 16, UPPER)


def google_key(rng: random.Random) -> str:
    return "AI" + "za" + rand(rng, 35, B62 + "-_")


def password(rng: random.Random) -> str:
    return (
        rand(rng, 6, LOWER).capitalize()
        + rand(rng, 3, "0123456789")
        + rng.choice("!#%")
        + rand(rng, 8)
    )


def line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    if index < 0:
        raise ValueError(f"{needle!r} is not in the generated file")
    return text[:index].count("\n") + 1


# --- one repository ------------------------------------------------------------------------------

_GIT = (
    "-c",
    "user.name=Prototype Builder",
    "-c",
    "user.email=builder@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
    "-c",
    "core.hooksPath=/dev/null",
)
_GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_DATE": "2025-03-01T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-03-01T10:00:00+00:00",
}


class RepoBuilder:
    """Files, package.json dependencies and labels of one repository, committed in steps."""

    def __init__(self, root: Path, name: str, builder: str, rng: random.Random) -> None:
        self.repo = Repo(name=name, builder=builder, path=root / name)
        self.rng = rng
        self.files: dict[str, str | bytes] = {}
        self.deps: dict[str, str] = {}
        self.dev_deps: dict[str, str] = {}
        self.scripts: dict[str, str] = {}
        self.stack: set[str] = set()
        self._package: tuple[str, dict] | None = None

    def file(self, path: str, text: str | bytes) -> None:
        self.files[path] = text

    def label(
        self,
        family: str,
        kind: str,
        path: str | None,
        needle: str | None = None,
        *,
        planted: bool = True,
        line: int | None = None,
    ) -> None:
        if needle is not None:
            line = line_of(self._text(path), needle)
        self.repo.labels.append(Label(self.repo.name, family, kind, path, line, planted))

    def fault(self, family: str, kind: str, path: str | None, needle: str | None = None) -> None:
        self.label(family, kind, path, needle, planted=True)

    def clean(self, family: str, kind: str, path: str | None, needle: str | None = None) -> None:
        self.label(family, kind, path, needle, planted=False)

    def _text(self, path: str | None) -> str:
        text = self.files.get(path or "")
        if not isinstance(text, str):
            raise TypeError(f"{path} is not a generated text file")
        return text

    def package_json(self, name: str, **extra: object) -> None:
        self._package = (name, extra)
        data = {"name": name, "private": True, "version": "0.1.0", "type": "module"}
        data.update(extra)
        data["scripts"] = self.scripts
        data["dependencies"] = dict(sorted(self.deps.items()))
        data["devDependencies"] = dict(sorted(self.dev_deps.items()))
        self.file("package.json", json.dumps(data, indent=2) + "\n")

    def add_tests(self, *, python: bool) -> None:
        """The test suite a repository with CI has: pytest, or a vitest script."""
        if python:
            self.file("tests/test_app.py", "def test_health():\n    assert True\n")
            self.files["requirements.txt"] = str(self.files.get("requirements.txt", "")) + (
                "pytest==8.3.3\n"
            )
            return
        self.file(
            "tests/app.test.ts",
            "import { test, expect } from 'vitest';\n\n"
            "test('adds', () => expect(1 + 1).toBe(2));\n",
        )
        self.scripts.setdefault("test", "vitest run")
        self.dev_deps.setdefault("vitest", "^2.1.4")
        if self._package is not None:
            self.package_json(self._package[0], **self._package[1])

    def npm_lock(self, name: str, locked: dict[str, str] | None = None) -> None:
        """A package-lock.json v3 for the dependencies, at the versions given or the range's
        base version."""
        everything = {**self.deps, **self.dev_deps}
        packages: dict[str, dict] = {
            "": {
                "name": name,
                "version": "0.1.0",
                "dependencies": self.deps,
                "devDependencies": self.dev_deps,
            }
        }
        for dep, spec in sorted({**everything, **(locked or {})}.items()):
            version = (locked or {}).get(dep) or spec.lstrip("^~") if spec != "latest" else "1.0.0"
            tarball = dep.rsplit("/", 1)[-1]
            packages[f"node_modules/{dep}"] = {
                "version": version,
                "resolved": f"https://registry.npmjs.org/{dep}/-/{tarball}-{version}.tgz",
                "integrity": "sha512-" + base64.b64encode(self.rng.randbytes(64)).decode(),
            }
        lock = {
            "name": name,
            "version": "0.1.0",
            "lockfileVersion": 3,
            "requires": True,
            "packages": packages,
        }
        self.file("package-lock.json", json.dumps(lock, indent=2) + "\n")

    def commit(self, message: str) -> None:
        root = self.repo.path
        if not (root / ".git").exists():
            root.mkdir(parents=True, exist_ok=True)
            _git(root, "init", "-q")
        for path, content in self.files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        for existing in [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]:
            if existing.relative_to(root).as_posix() not in self.files:
                existing.unlink()
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "--allow-empty", "-m", message)
        self.repo.commits += 1

    def finish(self) -> Repo:
        for tech in STACK_TECHS:
            self.label("stack", tech, None, planted=tech in self.stack)
        self.repo.files = len(self.files)
        return self.repo


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *_GIT, *args], cwd=repo, env=_GIT_ENV, check=True, capture_output=True)


# --- pieces that builders share ------------------------------------------------------------------


def readme(b: RepoBuilder, title: str, intro: str) -> None:
    """A README, with the setup section a builder or its user writes: sometimes a real key
    pasted in, sometimes placeholders, sometimes a connection string."""
    r = b.rng
    lines = [f"# {title}", "", intro, "", "## Getting started", "", "```sh", "npm install"]
    choice = r.random()
    if choice < 0.3:
        key = openai_key(r)
        lines += [f"export OPENAI_API_KEY={key}", "npm run dev", "```", ""]
        b.file("README.md", "\n".join(lines) + "\n")
        b.fault("secrets", "api-key-in-readme", "README.md", "export OPENAI_API_KEY=")
        return
    if choice < 0.5:
        pw = password(r)
        host = f"aws-0-eu-central-1.pooler.supa{'base'}.com"
        url = f"postgresql://postgres.{supabase_ref(r)}:{pw}@{host}:6543/postgres"
        lines += [
            "npm run dev",
            "```",
            "",
            "The database (Supabase, pooled):",
            "",
            "```",
            url,
            "```",
            "",
        ]
        b.file("README.md", "\n".join(lines) + "\n")
        b.fault("secrets", "connection-string-in-docs", "README.md", "postgresql://postgres.")
        return
    if r.random() < 0.4:
        demo = rng_demo_password(r)
        lines[3:3] = ["", f"Demo login: `demo@{r.choice(['acme', 'taskly'])}.app` / `{demo}`"]
    lines += [
        "cp .env.example .env   # then fill in:",
        "# OPENAI_API_KEY=sk-...your-key...",
        "# DATABASE_URL=postgresql://user:password@localhost:5432/app",
        "npm run dev",
        "```",
        "",
    ]
    b.file("README.md", "\n".join(lines) + "\n")
    if "Demo login" in b.files["README.md"]:
        b.fault("secrets", "demo-credentials-in-readme", "README.md", "Demo login")
    else:
        b.clean("secrets", "sign-up-note-in-readme", "README.md", "## Getting started")
    b.clean("secrets", "placeholder-key-in-readme", "README.md", "OPENAI_API_KEY=sk-...")
    b.clean("secrets", "placeholder-connection-string", "README.md", "DATABASE_URL=postgresql")


def env_example(b: RepoBuilder, names: list[str]) -> None:
    text = "".join(f"{n}=your-{n.lower().replace('_', '-')}\n" for n in names)
    b.file(".env.example", text)
    b.clean("secrets", "env-example-placeholders", ".env.example", names[0] + "=")


def login_page(b: RepoBuilder, path: str, call: str) -> None:
    """A sign-in form; some builders fill in a demo account that is a real account."""
    r = b.rng
    demo = r.random() < 0.4
    head = (
        "import { useState } from 'react';\n"
        "import { Button } from '@/components/ui/button';\n"
        "import { Input } from '@/components/ui/input';\n\n"
        "export default function Login() {\n"
    )
    if demo:
        pw = rng_demo_password(r)
        body = (
            "  const [email, setEmail] = useState('');\n"
            "  const [password, setPassword] = useState('');\n\n"
            "  async function signInAsDemo() {\n"
            f"    await {call}({{ email: 'demo@{r.choice(['acme', 'taskly', 'shopr'])}.app', "
            f"password: '{pw}' }});\n"
            "  }\n\n"
        )
    else:
        body = (
            "  const [email, setEmail] = useState('');\n"
            "  const [password, setPassword] = useState('');\n\n"
            "  async function signIn() {\n"
            f"    await {call}({{ email, password }});\n"
            "  }\n\n"
        )
    form = (
        '  return (\n    <form className="space-y-4">\n'
        '      <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />\n'
        '      <Input type="password" placeholder="Enter your password" value={password}\n'
        "        onChange={(e) => setPassword(e.target.value)} />\n"
        '      <Button type="submit">Sign in</Button>\n    </form>\n  );\n}\n'
    )
    b.file(path, head + body + form)
    if demo:
        b.fault("secrets", "demo-password-in-login", path, "password: '")
    else:
        b.clean("secrets", "login-form-variables", path, "({ email, password })")
    b.clean("secrets", "password-placeholder", path, 'placeholder="Enter your password"')


def rng_demo_password(r: random.Random) -> str:
    return r.choice(["Demo", "Admin", "Test"]) + rand(r, 3, "0123456789") + r.choice("!$")


def seed_script(b: RepoBuilder, path: str) -> None:
    r = b.rng
    if r.random() < 0.5:
        text = (
            "import { db } from './db';\n\n"
            "async function seed() {\n"
            "  await db.user.create({\n"
            "    data: { email: 'admin@example.com', name: 'Admin',"
            f" password: await hash('{rng_demo_password(r)}') }},\n"
            "  });\n}\n\nseed();\n"
        )
        b.file(path, text)
        b.fault("secrets", "seed-admin-password", path, "password: await hash(")
    else:
        text = (
            "import { db } from './db';\n\n"
            "async function seed() {\n"
            "  await db.user.create({\n"
            "    data: { email: 'admin@example.com', name: 'Admin',"
            " password: await hash(process.env.SEED_ADMIN_PASSWORD!) },\n"
            "  });\n}\n\nseed();\n"
        )
        b.file(path, text)
        b.clean("secrets", "seed-password-from-env", path, "process.env.SEED_ADMIN_PASSWORD")


def history_secret(b: RepoBuilder, path: str, make_line: Callable[[str], str], key: str) -> None:
    """Commit a file holding `key`, then replace it with an environment lookup: gone from the
    tree, still in history."""
    text = f"// {path}: server-side client\n" + make_line(f'"{key}"') + "\nexport default client;\n"
    b.file(path, text)
    b.fault("secrets-history", "secret-removed-later", path, "const client = ")
    b.commit("Add API client")
    b.file(path, text.replace(f'"{key}"', "process.env.API_SECRET!"))
    b.commit("Move the key to an environment variable")


def history_placeholder(b: RepoBuilder) -> None:
    """A placeholder that was later filled in with an env reference: nothing to rotate."""
    text = "// config: fill in before deploying\nexport const apiKey = 'YOUR_API_KEY_HERE';\n"
    b.file("src/config.ts", text)
    b.clean("secrets-history", "placeholder-removed-later", "src/config.ts", "YOUR_API_KEY_HERE")
    b.commit("Config stub")
    b.file("src/config.ts", "export const apiKey = import.meta.env.VITE_PUBLIC_API_KEY;\n")
    b.commit("Read config from env")


def supabase_migrations(b: RepoBuilder, prefix: str = "") -> None:
    """Migrations in the shape Lovable and Bolt write them, with the policies they tend to
    write: some exposing personal data, some harmless on reference data."""
    r = b.rng
    role_column = r.random() < 0.5
    public_profiles = r.random() < 0.6
    columns = "  full_name text,\n  email text,\n  phone text,\n  date_of_birth date,\n"
    if role_column:
        columns += "  role text not null default 'user',\n"
    text = (
        "-- Profiles for every signed-up user\n"
        "create table public.profiles (\n"
        "  id uuid not null references auth.users on delete cascade,\n"
        + columns
        + "  created_at timestamp with time zone not null default now(),\n"
        "  primary key (id)\n);\n\n"
        "alter table public.profiles enable row level security;\n\n"
    )
    if public_profiles:
        text += (
            'create policy "Public profiles are viewable by everyone."\n'
            "  on public.profiles for select\n  using ( true );\n\n"
        )
    else:
        text += (
            'create policy "Users can view their own profile"\n'
            "  on public.profiles for select\n  using ( auth.uid() = id );\n\n"
        )
    text += (
        'create policy "Users can update own profile."\n'
        "  on public.profiles for update\n  using ( auth.uid() = id );\n\n"
    )
    definer_fixed = r.random() < 0.5
    text += (
        "create or replace function public.handle_new_user()\n"
        "returns trigger\nlanguage plpgsql\nsecurity definer\n"
        + ("set search_path = ''\n" if definer_fixed else "")
        + "as $$\nbegin\n"
        "  insert into public.profiles (id, full_name, email)\n"
        "  values (new.id, new.raw_user_meta_data ->> 'full_name', new.email);\n"
        "  return new;\nend;\n$$;\n\n"
        "create trigger on_auth_user_created\n"
        "  after insert on auth.users\n"
        "  for each row execute procedure public.handle_new_user();\n"
    )
    first = f"{prefix}supabase/migrations/20250114093012_{rand(r, 8, HEX)}.sql"
    b.file(first, text)
    if public_profiles:
        b.fault(
            "supabase/api-exposure",
            "permissive-policy-personal-data",
            first,
            "on public.profiles for select\n  using ( true )",
        )
    if role_column:
        b.fault(
            "supabase/api-exposure",
            "role-column-self-update",
            first,
            "on public.profiles for update",
        )
    else:
        b.clean(
            "supabase/api-exposure",
            "self-update-without-role-column",
            first,
            "on public.profiles for update",
        )
    needle = "returns trigger"
    if definer_fixed:
        b.clean("supabase/api-exposure", "security-definer-fixed-search-path", first, needle)
    else:
        b.fault("supabase/api-exposure", "security-definer-no-search-path", first, needle)

    second_parts = [
        (
            "-- Reference data\n"
            "create table public.countries (\n  id serial primary key,\n  code text not null,\n"
            "  name text not null\n);\n"
            "alter table public.countries enable row level security;\n"
            'create policy "Countries are viewable by everyone"\n'
            "  on public.countries for select\n  using ( true );\n\n"
        )
    ]
    rls_missing = r.random() < 0.4
    second_parts.append(
        "create table public.orders (\n  id uuid primary key default gen_random_uuid(),\n"
        "  user_id uuid references auth.users not null,\n  total_cents integer not null,\n"
        "  shipping_address text,\n  created_at timestamptz default now()\n);\n"
        + ("" if rls_missing else "alter table public.orders enable row level security;\n")
        + "\n"
    )
    public_bucket = r.random() < 0.5
    second_parts.append(
        "insert into storage.buckets (id, name, public)\n"
        + (
            "values ('invoices', 'invoices', true);\n\n"
            if public_bucket
            else "values ('receipts', 'receipts', false);\n\n"
        )
    )
    invoker = r.random() < 0.5
    second_parts.append(
        "create view public.customer_directory"
        + (" with (security_invoker = on)" if invoker else "")
        + " as\n  select id, full_name, email, phone from public.profiles;\n"
    )
    second = f"{prefix}supabase/migrations/20250120151544_{rand(r, 8, HEX)}.sql"
    b.file(second, "".join(second_parts))
    b.clean(
        "supabase/api-exposure",
        "permissive-policy-reference-data",
        second,
        "on public.countries for select",
    )
    if rls_missing:
        b.fault("supabase/api-exposure", "rls-missing", second, "create table public.orders")
    if public_bucket:
        b.fault("supabase/api-exposure", "public-bucket", second, "values ('invoices'")
    else:
        b.clean("supabase/api-exposure", "private-bucket", second, "values ('receipts'")
    if invoker:
        b.clean("supabase/api-exposure", "view-security-invoker", second, "create view")
    else:
        b.fault("supabase/api-exposure", "view-bypasses-rls", second, "create view")


def supabase_config(b: RepoBuilder, ref: str, prefix: str = "") -> None:
    r = b.rng
    text = f'project_id = "{ref}"\n'
    path = f"{prefix}supabase/config.toml"
    if r.random() < 0.5:
        text += "\n[functions.chat]\nverify_jwt = false\n"
        b.file(path, text)
        b.fault("supabase/api-exposure", "edge-function-jwt-off", path, "verify_jwt = false")
    else:
        b.file(path, text)
    fn = f"{prefix}supabase/functions/chat/index.ts"
    if r.random() < 0.3:
        body = (
            'import { serve } from "https://deno.land/std@0.168.0/http/server.ts";\n\n'
            f'const OPENAI_API_KEY = "{openai_key(r)}";\n\n'
            "serve(async (req) => {\n  const { messages } = await req.json();\n"
            '  const res = await fetch("https://api.openai.com/v1/chat/completions", {\n'
            "    method: 'POST',\n    headers: { Authorization: `Bearer ${OPENAI_API_KEY}` },\n"
            "    body: JSON.stringify({ model: 'gpt-4o-mini', messages }),\n  });\n"
            "  return new Response(await res.text());\n});\n"
        )
        b.file(fn, body)
        b.fault("secrets", "api-key-in-edge-function", fn, "const OPENAI_API_KEY")
    else:
        body = (
            'import { serve } from "https://deno.land/std@0.168.0/http/server.ts";\n\n'
            "const OPENAI_API_KEY = Deno.env.get('OPENAI_API_KEY');\n\n"
            "serve(async (req) => {\n  const { messages } = await req.json();\n"
            '  const res = await fetch("https://api.openai.com/v1/chat/completions", {\n'
            "    method: 'POST',\n    headers: { Authorization: `Bearer ${OPENAI_API_KEY}` },\n"
            "    body: JSON.stringify({ model: 'gpt-4o-mini', messages }),\n  });\n"
            "  return new Response(await res.text());\n});\n"
        )
        b.file(fn, body)
        b.clean("secrets", "key-from-deno-env", fn, "Deno.env.get")


def workflows(b: RepoBuilder, test_command: str = "npm test") -> None:
    """GitHub Actions as agencies' clients and Cursor users add them: some run on main, some
    only on a branch nobody pushes to, some with the classic dangerous patterns."""
    r = b.rng
    branch = "main" if r.random() < 0.55 else r.choice(["develop", "dev", "staging"])
    action = (
        "      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n"
        "        with:\n          node-version: 20\n"
    )
    if test_command.startswith("pytest"):
        action = (
            "      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n"
            "        with:\n          python-version: '3.12'\n"
        )
    install = (
        "      - run: npm ci\n"
        if not test_command.startswith("pytest")
        else ("      - run: pip install -r requirements.txt\n")
    )
    b.add_tests(python=test_command.startswith("pytest"))
    ci = (
        "name: CI\n\non:\n  push:\n"
        f"    branches: [{branch}]\n"
        + ("  pull_request:\n    branches: [main]\n" if branch == "main" else "")
        + "\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        + action
        + install
        + f"      - run: {test_command}\n"
    )
    b.file(".github/workflows/ci.yml", ci)
    if branch == "main":
        b.clean("ci", "tests-trigger-on-default", ".github/workflows/ci.yml", "branches: [main]")
    else:
        b.fault(
            "ci",
            "tests-never-trigger-on-default",
            ".github/workflows/ci.yml",
            f"branches: [{branch}]",
        )
    b.clean("ci", "first-party-action-by-tag", ".github/workflows/ci.yml", "actions/checkout@v4")

    deploy_kind = r.random()
    if deploy_kind < 0.35:
        text = (
            "name: Deploy\n\non:\n  push:\n    branches: [main]\n\njobs:\n  deploy:\n"
            "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - run: npm ci && npm run build\n"
            "      - name: Deploy to Vercel\n"
            f"        uses: amondnet/vercel-action@v{r.choice([20, 25])}\n"
            "        with:\n          vercel-token: ${{ secrets.VERCEL_TOKEN }}\n"
            "      - name: Debug\n"
            '        run: echo "deploying with ${{ secrets.VERCEL_TOKEN }}"\n'
        )
        b.file(".github/workflows/deploy.yml", text)
        b.fault(
            "ci",
            "unpinned-third-party-action",
            ".github/workflows/deploy.yml",
            "uses: amondnet/vercel-action",
        )
        b.fault("ci", "secret-echoed", ".github/workflows/deploy.yml", 'run: echo "deploying')
    elif deploy_kind < 0.7:
        sha = rand(r, 40, HEX)
        text = (
            "name: Deploy\n\non:\n  push:\n    branches: [main]\n\njobs:\n  deploy:\n"
            "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - name: Registry login\n"
            '        run: echo "${{ secrets.REGISTRY_TOKEN }}" | docker login ghcr.io -u bot '
            "--password-stdin\n"
            "      - run: npm ci && npm run build\n"
            "      - name: Publish\n"
            f"        uses: peaceiris/actions-gh-pages@{sha}\n"
            "        with:\n          github_token: ${{ secrets.GITHUB_TOKEN }}\n"
        )
        b.file(".github/workflows/deploy.yml", text)
        b.clean("ci", "secret-piped-to-login", ".github/workflows/deploy.yml", "| docker login")
        b.clean(
            "ci",
            "pinned-third-party-action",
            ".github/workflows/deploy.yml",
            "peaceiris/actions-gh-pages@",
        )
    if r.random() < 0.3:
        text = (
            "name: Preview\n\non:\n  pull_request_target:\n    types: [opened, synchronize]\n\n"
            "jobs:\n  preview:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n        with:\n"
            "          ref: ${{ github.event.pull_request.head.sha }}\n"
            "      - run: npm ci && npm run build\n"
        )
        b.file(".github/workflows/preview.yml", text)
        b.fault(
            "ci",
            "pull-request-target-runs-head",
            ".github/workflows/preview.yml",
            "ref: ${{ github.event.pull_request.head.sha }}",
        )
    elif r.random() < 0.3:
        text = (
            "name: Label\n\non:\n  pull_request_target:\n    types: [opened]\n\n"
            "jobs:\n  label:\n    runs-on: ubuntu-latest\n    permissions:\n"
            "      pull-requests: write\n    steps:\n      - uses: actions/labeler@v5\n"
        )
        b.file(".github/workflows/label.yml", text)
        b.clean(
            "ci",
            "pull-request-target-no-checkout",
            ".github/workflows/label.yml",
            "pull_request_target:",
        )


def maybe_workflows(b: RepoBuilder, chance: float, test_command: str = "npm test") -> None:
    if b.rng.random() < chance:
        workflows(b, test_command)
    else:
        b.fault("ci", "no-ci", None)


def error_tracking_js(b: RepoBuilder, entry_text: str, package: str) -> str:
    """Sentry listed and initialised, listed and never imported, or absent."""
    choice = b.rng.random()
    if choice < 0.35:
        b.deps[package] = "^8.33.1"
        b.fault("production-signals", "error-tracker-listed-unused", None)
        return entry_text
    if choice < 0.7:
        b.deps[package] = "^8.33.1"
        b.clean("production-signals", "error-tracker-initialised", None)
        return (
            f'import * as Sentry from "{package}";\n\n'
            "Sentry.init({ dsn: import.meta.env.VITE_SENTRY_DSN, tracesSampleRate: 0.1 });\n"
            + entry_text
        )
    return entry_text


def validation_listed(b: RepoBuilder, *, used_in_browser: bool) -> None:
    """zod listed (the shadcn templates list it): never imported is a fault; a form schema in
    the browser validates nothing a server receives, so it is labelled neither way."""
    b.deps["zod"] = "^3.23.8"
    if not used_in_browser:
        b.fault("production-signals", "validation-listed-unused", None)


def vulnerable_or_patched(b: RepoBuilder) -> dict[str, str]:
    """Lock a vulnerable or a patched version of a dependency that the app lists."""
    r = b.rng
    name, bad, good = r.choice(
        [
            ("lodash", "4.17.20", "4.17.21"),
            ("axios", "1.5.1", "1.7.7"),
            ("minimist", "1.2.5", "1.2.8"),
        ]
    )
    vulnerable = r.random() < 0.5
    b.deps[name] = "^" + (bad if vulnerable else good)
    if vulnerable:
        b.fault("dependencies", "known-vulnerable-version", "package-lock.json")
    else:
        b.clean("dependencies", "patched-version", "package-lock.json")
    return {name: bad if vulnerable else good}


def shadcn_button(b: RepoBuilder, path: str) -> None:
    b.file(
        path,
        'import * as React from "react";\nimport { cn } from "@/lib/utils";\n\n'
        "export const Button = React.forwardRef<HTMLButtonElement, "
        "React.ButtonHTMLAttributes<HTMLButtonElement>>(\n"
        '  ({ className, ...props }, ref) => (\n    <button ref={ref} className={cn("inline-flex '
        'items-center rounded-md px-4 py-2", className)} {...props} />\n  ),\n);\n'
        'Button.displayName = "Button";\n',
    )


def vite_react_base(b: RepoBuilder, name: str, src: str = "src") -> None:
    """What Lovable and Bolt share: Vite, React, TypeScript, Tailwind, shadcn/ui."""
    b.deps.update(
        {
            "react": "^18.3.1",
            "react-dom": "^18.3.1",
            "react-router-dom": "^6.26.2",
            "lucide-react": "^0.462.0",
            "clsx": "^2.1.1",
            "tailwind-merge": "^2.5.2",
            "@tanstack/react-query": "^5.56.2",
        }
    )
    b.dev_deps.update(
        {
            "vite": "^5.4.1",
            "@vitejs/plugin-react-swc": "^3.5.0",
            "typescript": "^5.5.3",
            "tailwindcss": "^3.4.11",
            "postcss": "^8.4.47",
            "autoprefixer": "^10.4.20",
            "eslint": "^9.9.0",
        }
    )
    b.scripts.update(
        {"dev": "vite", "build": "vite build", "lint": "eslint .", "preview": "vite preview"}
    )
    b.stack |= {"typescript", "tailwind", "react-vite"}
    b.file(
        "index.html",
        f'<!doctype html>\n<html lang="en">\n<head><title>{name}</title></head>\n'
        '<body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body>'
        "\n</html>\n",
    )
    b.file(
        "tailwind.config.ts",
        'import type { Config } from "tailwindcss";\n\nexport default {\n'
        '  darkMode: ["class"],\n  content: ["./src/**/*.{ts,tsx}"],\n  theme: { extend: {} },\n'
        '  plugins: [require("tailwindcss-animate")],\n} satisfies Config;\n',
    )
    b.dev_deps["tailwindcss-animate"] = "^1.0.7"
    b.file(
        "postcss.config.js", "export default { plugins: { tailwindcss: {}, autoprefixer: {} } };\n"
    )
    b.file(
        "tsconfig.json",
        json.dumps(
            {
                "files": [],
                "references": [{"path": "./tsconfig.app.json"}],
                "compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["./src/*"]}},
            },
            indent=2,
        )
        + "\n",
    )
    b.file(
        "tsconfig.app.json",
        json.dumps(
            {
                "compilerOptions": {
                    "target": "ES2020",
                    "jsx": "react-jsx",
                    "strict": False,
                    "noEmit": True,
                },
                "include": ["src"],
            },
            indent=2,
        )
        + "\n",
    )
    b.file(f"{src}/index.css", "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n")
    b.file(
        f"{src}/lib/utils.ts",
        'import { clsx, type ClassValue } from "clsx";\n'
        'import { twMerge } from "tailwind-merge";\n\n'
        "export function cn(...inputs: ClassValue[]) {\n  return twMerge(clsx(inputs));\n}\n",
    )
    shadcn_button(b, f"{src}/components/ui/button.tsx")
    b.file(
        f"{src}/components/ui/input.tsx",
        'import * as React from "react";\n\n'
        "export const Input = (props: React.InputHTMLAttributes<HTMLInputElement>) => "
        '<input className="h-10 rounded-md border px-3" {...props} />;\n',
    )
    b.file(
        "components.json",
        json.dumps(
            {
                "style": "default",
                "tsx": True,
                "tailwind": {"config": "tailwind.config.ts", "css": f"{src}/index.css"},
                "aliases": {"components": "@/components", "utils": "@/lib/utils"},
            },
            indent=2,
        )
        + "\n",
    )


def supabase_client_file(b: RepoBuilder, path: str, ref: str, *, inline: bool) -> None:
    """Lovable writes the anon key inline (public by design); Bolt reads it from env."""
    b.deps["@supabase/supabase-js"] = "^2.45.4"
    b.stack.add("supabase")
    if inline:
        text = (
            "// This file is automatically generated. Do not edit it directly.\n"
            "import { createClient } from '@supabase/supabase-js';\n"
            "import type { Database } from './types';\n\n"
            f'const SUPABASE_URL = "https://{ref}.supabase.co";\n'
            f'const SUPABASE_PUBLISHABLE_KEY = "{supabase_jwt(b.rng, ref, "anon")}";\n\n'
            "export const supabase = createClient<Database>(\n"
            "  SUPABASE_URL, SUPABASE_PUBLISHABLE_KEY);\n"
        )
        b.file(path, text)
        b.clean("secrets", "supabase-anon-key", path, "SUPABASE_PUBLISHABLE_KEY = ")
    else:
        text = (
            "import { createClient } from '@supabase/supabase-js';\n\n"
            "const supabaseUrl = import.meta.env.VITE_SUPABASE_URL;\n"
            "const supabaseAnonKey = import.meta.env.VITE_SUPABASE_ANON_KEY;\n\n"
            "export const supabase = createClient(supabaseUrl, supabaseAnonKey);\n"
        )
        b.file(path, text)


def client_ai_call(b: RepoBuilder, path: str) -> None:
    """An OpenAI call from the browser, the key inline: the bundle ships it."""
    r = b.rng
    b.deps["openai"] = "^4.67.1"
    b.stack.add("openai")
    if r.random() < 0.4:
        text = (
            'import OpenAI from "openai";\n\n'
            f'const openai = new OpenAI({{ apiKey: "{openai_key(r)}",\n'
            "  dangerouslyAllowBrowser: true });\n\n"
            "export async function summarise(text: string) {\n"
            '  const res = await openai.chat.completions.create({ model: "gpt-4o-mini",\n'
            '    messages: [{ role: "user", content: text }] });\n'
            "  return res.choices[0].message.content;\n}\n"
        )
        b.file(path, text)
        b.fault("secrets", "api-key-in-client-code", path, "new OpenAI(")
    else:
        text = (
            "import { supabase } from '@/integrations/supabase/client';\n\n"
            "export async function summarise(text: string) {\n"
            "  const { data } = await supabase.functions.invoke('chat', { body: { text } });\n"
            "  return data;\n}\n"
        )
        b.file(path, text)


# --- the builders ---------------------------------------------------------------------------------


def build_lovable(b: RepoBuilder) -> None:
    r = b.rng
    name = "vite_react_shadcn_ts"
    ref = supabase_ref(r)
    vite_react_base(b, name)
    b.dev_deps["lovable-tagger"] = "^1.1.7"
    b.file(
        "vite.config.ts",
        'import { defineConfig } from "vite";\nimport react from '
        '"@vitejs/plugin-react-swc";\nimport { componentTagger } from "lovable-tagger";\n\n'
        "export default defineConfig(({ mode }) => ({\n  server: { host: '::', port: 8080 },\n"
        '  plugins: [react(), mode === "development" && componentTagger()].filter(Boolean),\n'
        "}));\n",
    )
    supabase_client_file(b, "src/integrations/supabase/client.ts", ref, inline=True)
    b.file(
        "src/integrations/supabase/types.ts",
        "export type Json = string | number | boolean;\n"
        "export type Database = { public: { Tables: Record<string, never> } };\n",
    )
    main = (
        'import { createRoot } from "react-dom/client";\nimport App from "./App.tsx";\n'
        'import "./index.css";\n\ncreateRoot(document.getElementById("root")!).render(<App />);\n'
    )
    main = error_tracking_js(b, main, "@sentry/react")
    b.file("src/main.tsx", main)
    uses_zod = r.random() < 0.5
    validation_listed(b, used_in_browser=uses_zod)
    if uses_zod:
        b.deps["react-hook-form"] = "^7.53.0"
        b.file(
            "src/pages/Contact.tsx",
            'import { z } from "zod";\nimport { useForm } from '
            '"react-hook-form";\n\nconst contactSchema = z.object({ email: z.string().email(), '
            "message: z.string().min(10) });\n\nexport default function Contact() {\n"
            "  const form = useForm();\n  const onSubmit = (values: unknown) => "
            "contactSchema.parse(values);\n"
            "  return <form onSubmit={form.handleSubmit(onSubmit)} />;\n}\n",
        )
    b.file(
        "src/App.tsx",
        'import { BrowserRouter, Routes, Route } from "react-router-dom";\n'
        'import Index from "./pages/Index";\nimport Login from "./pages/Auth";\n\n'
        "const App = () => (\n  <BrowserRouter>\n    <Routes>\n"
        '      <Route path="/" element={<Index />} />\n'
        '      <Route path="/auth" element={<Login />} />\n'
        "    </Routes>\n  </BrowserRouter>\n);\n\nexport default App;\n",
    )
    b.file(
        "src/pages/Index.tsx",
        "import { supabase } from '@/integrations/supabase/client';\n\n"
        'export default function Index() {\n  return <main className="container mx-auto p-8">'
        '<h1 className="text-3xl font-bold">Welcome</h1></main>;\n}\n',
    )
    login_page(b, "src/pages/Auth.tsx", "supabase.auth.signInWithPassword")
    b.stack.add("supabase")
    if r.random() < 0.5:
        client_ai_call(b, "src/lib/ai.ts")
    supabase_migrations(b)
    supabase_config(b, ref)
    b.file(
        "README.md",
        "# Welcome to your Lovable project\n\n## Project info\n\n"
        f"**URL**: https://lovable.dev/projects/{rand(r, 8, HEX)}-{rand(r, 4, HEX)}\n\n"
        "## How can I edit this code?\n\nUse Lovable, or clone this repo and run `npm i` then "
        "`npm run dev`.\n\nThis project is built with Vite, TypeScript, React, shadcn-ui and "
        "Tailwind CSS.\n",
    )
    if r.random() < 0.5:
        readme_docs(b, "docs/SETUP.md")
    locked = vulnerable_or_patched(b)
    b.package_json(name)
    b.npm_lock(name, locked)
    b.file("bun.lockb", b"\x00bun-lockfile-format-v0\n" + r.randbytes(64))
    maybe_workflows(b, 0.25)
    b.commit("Initial commit from Lovable")
    if r.random() < 0.5:
        history_secret(
            b,
            "src/lib/stripe.ts",
            lambda v: f"const client = new Stripe({v}, {{ apiVersion: '2024-06-20' }});",
            stripe_secret(r),
        )
        b.deps["stripe"] = "^16.12.0"
        b.stack.add("stripe")
        b.package_json(name)
        b.commit("Add Stripe")
    else:
        history_placeholder(b)


def readme_docs(b: RepoBuilder, path: str) -> None:
    """A setup note a person wrote next to the generated README."""
    r = b.rng
    if r.random() < 0.5:
        service_key = supabase_jwt(r, supabase_ref(r), "service_role")
        text = (
            "# Setup notes\n\nAsk Sam for access to the Supabase project.\n\n"
            f"Service key for the admin scripts: `{service_key}`\n"
            "\nDo not share outside the team.\n"
        )
        b.file(path, text)
        b.fault("secrets", "service-role-key-in-notes", path, "Service key for the admin")
    else:
        text = (
            "# Setup notes\n\nCopy the keys from the Supabase dashboard (Settings > API):\n\n"
            "- `VITE_SUPABASE_URL=https://<project-ref>.supabase.co`\n"
            "- `SUPABASE_SERVICE_ROLE_KEY=<service-role-key>` (server only, never in the app)\n"
        )
        b.file(path, text)
        b.clean("secrets", "placeholder-key-in-notes", path, "SUPABASE_SERVICE_ROLE_KEY=")


def build_bolt(b: RepoBuilder) -> None:
    r = b.rng
    name = "vite-react-typescript-starter"
    b.file(".bolt/config.json", json.dumps({"template": "bolt-vite-react-ts"}) + "\n")
    b.file(
        ".bolt/prompt",
        "For all designs I ask you to make, have them be beautiful, not "
        "cookie cutter.\nUse icons from lucide-react for logos.\n",
    )
    vite_react_base(b, name)
    b.file(
        "vite.config.ts",
        "import { defineConfig } from 'vite';\nimport react from "
        "'@vitejs/plugin-react-swc';\n\nexport default defineConfig({ plugins: [react()] });\n",
    )
    ref = supabase_ref(r)
    supabase_client_file(b, "src/lib/supabase.ts", ref, inline=False)
    env = (
        f"VITE_SUPABASE_URL=https://{ref}.supabase.co\n"
        f"VITE_SUPABASE_ANON_KEY={supabase_jwt(r, ref, 'anon')}\n"
    )
    if r.random() < 0.5:
        env += f"VITE_OPENAI_API_KEY={openai_key(r)}\n"
        b.file(".env", env)
        b.fault("secrets", "api-key-in-committed-env", ".env", "VITE_OPENAI_API_KEY=")
        b.deps["openai"] = "^4.67.1"
        b.stack.add("openai")
    else:
        b.file(".env", env)
    b.clean("secrets", "supabase-anon-key-in-env", ".env", "VITE_SUPABASE_ANON_KEY=")
    b.fault("secrets", "env-file-committed", ".env")
    main = (
        'import { StrictMode } from "react";\nimport { createRoot } from "react-dom/client";\n'
        'import App from "./App";\nimport "./index.css";\n\ncreateRoot(document.getElementById('
        '"root")!).render(<StrictMode><App /></StrictMode>);\n'
    )
    b.file("src/main.tsx", error_tracking_js(b, main, "@sentry/react"))
    b.file(
        "src/App.tsx",
        "import Login from './components/Login';\n\nexport default function "
        'App() {\n  return <div className="min-h-screen bg-gray-50"><Login /></div>;\n}\n',
    )
    login_page(b, "src/components/Login.tsx", "supabase.auth.signInWithPassword")
    supabase_migrations(b)
    readme(b, "Bolt app", "Built with bolt.new.")
    env_example(b, ["VITE_SUPABASE_URL", "VITE_SUPABASE_ANON_KEY"])
    if r.random() < 0.5:
        b.fault("dependencies", "no-lockfile", None)
        b.package_json(name)
    else:
        locked = vulnerable_or_patched(b)
        b.package_json(name)
        b.npm_lock(name, locked)
    maybe_workflows(b, 0.2)
    b.commit("Initial commit")
    if r.random() < 0.4:
        history_secret(
            b,
            "src/lib/mailer.ts",
            lambda v: f"const client = new Resend({v});",
            resend_key(r),
        )
    else:
        history_placeholder(b)


def build_v0(b: RepoBuilder) -> None:
    r = b.rng
    name = "my-v0-project"
    pinned = r.random() < 0.5
    version = (lambda v: v) if pinned else (lambda v: "latest")
    b.deps.update(
        {
            "next": version("14.2.16"),
            "react": version("^18"),
            "react-dom": version("^18"),
            "@radix-ui/react-slot": version("^1.1.0"),
            "class-variance-authority": "^0.7.0",
            "clsx": "^2.1.1",
            "tailwind-merge": "^2.5.2",
            "lucide-react": "^0.454.0",
            "next-themes": version("^0.4.3"),
        }
    )
    b.dev_deps.update(
        {"typescript": "^5", "@types/react": "^18", "tailwindcss": "^3.4.1", "postcss": "^8"}
    )
    b.scripts.update(
        {"dev": "next dev", "build": "next build", "start": "next start", "lint": "next lint"}
    )
    b.stack |= {"nextjs", "typescript", "tailwind"}
    b.file(
        "next.config.mjs",
        "/** @type {import('next').NextConfig} */\nconst nextConfig = {\n"
        "  eslint: { ignoreDuringBuilds: true },\n  typescript: { ignoreBuildErrors: true },\n"
        "  images: { unoptimized: true },\n};\n\nexport default nextConfig;\n",
    )
    b.file(
        "tailwind.config.ts",
        'import type { Config } from "tailwindcss";\n\nconst config: '
        'Config = {\n  content: ["./app/**/*.{ts,tsx}", "./components/**/*.{ts,tsx}"],\n'
        "  theme: { extend: {} },\n};\nexport default config;\n",
    )
    b.file(
        "tsconfig.json",
        json.dumps(
            {
                "compilerOptions": {"strict": True, "jsx": "preserve", "paths": {"@/*": ["./*"]}},
                "include": ["**/*.ts", "**/*.tsx"],
            },
            indent=2,
        )
        + "\n",
    )
    b.file("app/globals.css", "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n")
    b.file(
        "app/layout.tsx",
        'import "./globals.css";\nimport { ThemeProvider } from '
        '"@/components/theme-provider";\n\nexport default function RootLayout({ children }: '
        '{ children: React.ReactNode }) {\n  return (<html lang="en"><body><ThemeProvider>'
        "{children}</ThemeProvider></body></html>);\n}\n",
    )
    b.file(
        "components/theme-provider.tsx",
        '"use client";\nexport { ThemeProvider } from "next-themes";\n',
    )
    shadcn_button(b, "components/ui/button.tsx")
    b.file(
        "lib/utils.ts",
        'import { clsx, type ClassValue } from "clsx";\nimport { twMerge } from '
        '"tailwind-merge";\n\nexport function cn(...inputs: ClassValue[]) {\n  return '
        "twMerge(clsx(inputs));\n}\n",
    )
    b.file("components.json", json.dumps({"style": "new-york", "rsc": True, "tsx": True}) + "\n")
    caching = r.random()
    if caching < 0.4:
        page = (
            "export const revalidate = 0;\n\nexport default async function Page() {\n"
            "  const res = await fetch(`${process.env.API_URL}/products`, { cache: 'no-store' });\n"
            "  const products = await res.json();\n"
            '  return <main className="grid gap-4 p-6">{products.length} products</main>;\n}\n'
        )
        b.fault("production-signals", "caching-disabled", None)
    elif caching < 0.8:
        page = (
            "export const revalidate = 3600;\n\nexport default async function Page() {\n"
            "  const res = await fetch(`${process.env.API_URL}/products`);\n"
            "  const products = await res.json();\n"
            '  return <main className="grid gap-4 p-6">{products.length} products</main>;\n}\n'
        )
        b.clean("production-signals", "caching-revalidates", None)
    else:
        page = 'export default function Page() {\n  return <main className="p-6">Hello</main>;\n}\n'
    b.file("app/page.tsx", page)

    orm = r.choice(["prisma", "drizzle", None])
    if orm == "prisma":
        b.deps["@prisma/client"] = "^5.20.0"
        b.dev_deps["prisma"] = "^5.20.0"
        b.stack.add("prisma")
        b.file(
            "prisma/schema.prisma",
            'generator client {\n  provider = "prisma-client-js"\n}\n\n'
            'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n\n'
            "model Customer {\n  id    String @id @default(cuid())\n  email String @unique\n"
            "  phone String?\n}\n",
        )
        b.file(
            "lib/db.ts",
            'import { PrismaClient } from "@prisma/client";\n\nexport const db = '
            "new PrismaClient();\n",
        )
        query = "db.customer.findMany()"
    elif orm == "drizzle":
        b.deps.update({"drizzle-orm": "^0.33.0", "@neondatabase/serverless": "^0.9.5"})
        b.dev_deps["drizzle-kit"] = "^0.24.2"
        b.stack.add("drizzle")
        b.file(
            "lib/db.ts",
            'import { neon } from "@neondatabase/serverless";\nimport { drizzle } '
            'from "drizzle-orm/neon-http";\n\nexport const db = drizzle(neon(process.env.'
            "DATABASE_URL!));\n",
        )
        b.file(
            "drizzle.config.ts",
            'import { defineConfig } from "drizzle-kit";\n\nexport default '
            'defineConfig({ schema: "./lib/schema.ts", dialect: "postgresql",\n  dbCredentials: '
            "{ url: process.env.DATABASE_URL! } });\n",
        )
        b.file(
            "lib/schema.ts",
            'import { pgTable, text } from "drizzle-orm/pg-core";\n\nexport '
            'const customers = pgTable("customers", { id: text("id").primaryKey(), email: '
            'text("email") });\n',
        )
        query = "db.select().from(customers)"
    else:
        query = None
    if query:
        open_route = r.random() < 0.5
        imports = 'import { NextResponse } from "next/server";\nimport { db } from "@/lib/db";\n'
        if orm == "drizzle":
            imports += 'import { customers } from "@/lib/schema";\n'
        if open_route:
            text = imports + (
                "\nexport async function GET() {\n"
                f"  const rows = await {query};\n  return NextResponse.json(rows);\n}}\n"
            )
            b.file("app/api/customers/route.ts", text)
            b.fault(
                "supabase/api-exposure",
                "unauthenticated-route",
                "app/api/customers/route.ts",
                "export async function GET",
            )
        else:
            b.deps["next-auth"] = "^5.0.0-beta.22"
            b.stack.add("authjs")
            b.file(
                "auth.ts",
                'import NextAuth from "next-auth";\nimport GitHub from '
                '"next-auth/providers/github";\n\nexport const { handlers, auth } = '
                "NextAuth({ providers: [GitHub] });\n",
            )
            text = (
                imports
                + 'import { auth } from "@/auth";\n'
                + (
                    "\nexport async function GET() {\n  const session = await auth();\n"
                    '  if (!session?.user) return NextResponse.json({ error: "Unauthorized" }, '
                    "{ status: 401 });\n"
                    f"  const rows = await {query};\n  return NextResponse.json(rows);\n}}\n"
                )
            )
            b.file("app/api/customers/route.ts", text)
            b.clean(
                "supabase/api-exposure",
                "authenticated-route",
                "app/api/customers/route.ts",
                "export async function GET",
            )
        b.file(
            "app/api/health/route.ts",
            "export function GET() {\n  return Response.json({ ok: true });\n}\n",
        )
        b.clean(
            "supabase/api-exposure",
            "health-route-without-auth",
            "app/api/health/route.ts",
            "export function GET",
        )
    if r.random() < 0.4:
        b.deps["stripe"] = "^16.12.0"
        b.stack.add("stripe")
        text = (
            'import Stripe from "stripe";\n\n'
            f'export const stripe = new Stripe("{stripe_secret(r)}");\n'
            "export const publishableKey = "
            f'"{stripe_publishable(r)}";\n'
        )
        b.file("lib/stripe.ts", text)
        b.fault("secrets", "stripe-secret-key-in-code", "lib/stripe.ts", "new Stripe(")
        b.clean("secrets", "stripe-publishable-key", "lib/stripe.ts", "publishableKey")
    if pinned:
        if r.random() < 0.5:
            b.fault("dependencies", "no-lockfile", None)
            b.package_json(name)
        else:
            locked = vulnerable_or_patched(b)
            b.package_json(name)
            b.npm_lock(name, locked)
    else:
        b.package_json(name)
        b.fault("dependencies", "unpinned-latest", "package.json")
        b.fault("dependencies", "no-lockfile", None)
    b.file(
        "README.md",
        "# my-v0-project\n\n*Automatically synced with your "
        "[v0.dev](https://v0.dev) deployments*\n\nContinue building your app on: "
        f"**[https://v0.dev/chat/projects/{rand(r, 11)}](https://v0.dev)**\n",
    )
    maybe_workflows(b, 0.2)
    b.commit("Initial commit from v0")
    if r.random() < 0.3:
        history_secret(
            b,
            "lib/ai.ts",
            lambda v: f"const client = new Anthropic({{ apiKey: {v} }});",
            anthropic_key(r),
        )
    else:
        history_placeholder(b)


def build_replit(b: RepoBuilder) -> None:
    if b.rng.random() < 0.6:
        _replit_express(b)
    else:
        _replit_flask(b)


def _replit_express(b: RepoBuilder) -> None:
    """Replit Agent's full-stack template: client/, server/, shared/schema.ts with Drizzle."""
    r = b.rng
    name = "rest-express"
    b.file(
        ".replit",
        'modules = ["nodejs-20", "web", "postgresql-16"]\nrun = "npm run dev"\n\n'
        '[nix]\nchannel = "stable-24_05"\n\n[deployment]\ndeploymentTarget = "autoscale"\n'
        'build = ["npm", "run", "build"]\nrun = ["npm", "run", "start"]\n\n[[ports]]\n'
        "localPort = 5000\nexternalPort = 80\n",
    )
    b.file("replit.nix", "{pkgs}: {\n  deps = [ pkgs.nodejs_20 ];\n}\n")
    b.file(
        "replit.md",
        "# Overview\n\nA task tracker. Frontend React + Vite, backend Express, "
        "PostgreSQL through Drizzle ORM.\n",
    )
    b.deps.update(
        {
            "express": "^4.21.2",
            "drizzle-orm": "^0.39.1",
            "@neondatabase/serverless": "^0.10.4",
            "express-session": "^1.18.1",
            "react": "^18.3.1",
            "react-dom": "^18.3.1",
            "cors": "^2.8.5",
            "drizzle-zod": "^0.7.0",
        }
    )
    b.dev_deps.update(
        {
            "typescript": "5.6.3",
            "vite": "^5.4.14",
            "tsx": "^4.19.1",
            "drizzle-kit": "^0.30.4",
            "tailwindcss": "^3.4.17",
        }
    )
    b.scripts.update(
        {
            "dev": "NODE_ENV=development tsx server/index.ts",
            "build": "vite build",
            "start": "NODE_ENV=production node dist/index.js",
            "db:push": "drizzle-kit push",
        }
    )
    b.stack |= {"express", "drizzle", "typescript", "tailwind", "react-vite"}
    b.dev_deps["@vitejs/plugin-react"] = "^4.3.2"
    b.file(
        "vite.config.ts",
        'import { defineConfig } from "vite";\nimport react from '
        '"@vitejs/plugin-react";\n\nexport default defineConfig({ plugins: [react()], root: '
        '"client" });\n',
    )
    b.file(
        "drizzle.config.ts",
        'import { defineConfig } from "drizzle-kit";\n\nexport default '
        'defineConfig({ out: "./migrations", schema: "./shared/schema.ts", dialect: '
        '"postgresql",\n  dbCredentials: { url: process.env.DATABASE_URL! } });\n',
    )
    b.file(
        "shared/schema.ts",
        'import { pgTable, text, serial, integer } from "drizzle-orm/pg-core";\n'
        'import { createInsertSchema } from "drizzle-zod";\nimport { z } from "zod";\n\n'
        'export const tasks = pgTable("tasks", '
        '{ id: serial("id").primaryKey(), title: text("title").notNull(),\n'
        '  userId: integer("user_id") });\n'
        "export const insertTaskSchema = createInsertSchema(tasks)\n"
        "  .extend({ title: z.string().min(1) });\n",
    )
    b.file("tailwind.config.ts", 'export default { content: ["./client/src/**/*.{ts,tsx}"] };\n')
    b.file("client/src/index.css", "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n")
    b.file(
        "tsconfig.json",
        json.dumps(
            {
                "include": ["client/src/**/*", "shared/**/*", "server/**/*"],
                "compilerOptions": {"strict": True, "module": "ESNext"},
            },
            indent=2,
        )
        + "\n",
    )
    shadcn_button(b, "client/src/components/ui/button.tsx")
    b.file(
        "client/src/components/ui/input.tsx", "export const Input = (p: any) => <input {...p} />;\n"
    )
    login_page(b, "client/src/pages/auth-page.tsx", "loginMutation.mutateAsync")

    cors_open = r.random() < 0.5
    secret_inline = r.random() < 0.4
    limiter = r.random()
    lines = [
        'import express from "express";',
        'import cors from "cors";',
        'import session from "express-session";',
        'import { registerRoutes } from "./routes";',
    ]
    if limiter < 0.7:
        b.deps["express-rate-limit"] = "^7.4.1"
    if limiter < 0.35:
        lines.append('import rateLimit from "express-rate-limit";')
    lines += ["", "const app = express();", "app.use(express.json());"]
    if cors_open:
        lines.append("app.use(cors({ origin: true, credentials: true }));")
    else:
        lines.append("app.use(cors({ origin: process.env.CLIENT_URL, credentials: true }));")
    if secret_inline:
        lines.append(f'app.use(session({{ secret: "{rand(r, 32)}", resave: false }}));')
    else:
        lines.append("app.use(session({ secret: process.env.SESSION_SECRET!, resave: false }));")
    if limiter < 0.35:
        lines.append('app.use("/api", rateLimit({ windowMs: 60_000, limit: 100 }));')
        b.clean("production-signals", "rate-limiter-applied", None)
    elif limiter < 0.7:
        b.fault("production-signals", "rate-limiter-listed-unused", None)
    lines += [
        "",
        "(async () => {",
        "  const server = await registerRoutes(app);",
        "  server.listen(5000, '0.0.0.0');",
        "})();",
        "",
    ]
    text = "\n".join(lines)
    b.file("server/index.ts", text)
    if cors_open:
        b.fault(
            "supabase/api-exposure",
            "cors-any-origin-credentials",
            "server/index.ts",
            "app.use(cors(",
        )
    else:
        b.clean("supabase/api-exposure", "cors-origin-from-env", "server/index.ts", "app.use(cors(")
    if secret_inline:
        b.fault("secrets", "session-secret-in-code", "server/index.ts", "app.use(session(")
    else:
        b.clean("secrets", "session-secret-from-env", "server/index.ts", "app.use(session(")

    validate = r.random() < 0.5
    routes = [
        'import type { Express } from "express";',
        'import { createServer, type Server } from "http";',
        'import { storage } from "./storage";',
        'import { isAuthenticated } from "./auth";',
        'import { insertTaskSchema } from "@shared/schema";',
        "",
        "export async function registerRoutes(app: Express): Promise<Server> {",
        '  app.get("/api/health", (_req, res) => res.json({ ok: true }));',
        "",
        '  app.get("/api/tasks", async (req, res) => {',
        "    const tasks = await storage.getTasks();",
        "    res.json(tasks);",
        "  });",
        "",
        '  app.post("/api/tasks", isAuthenticated, async (req: any, res) => {',
        "    const input = insertTaskSchema.parse(req.body);"
        if validate
        else "    const input = req.body;",
        "    const task = await storage.createTask({ ...input, userId: req.user.id });",
        "    res.status(201).json(task);",
        "  });",
        "",
        '  app.get("/api/me", async (req: any, res) => {',
        "    if (!req.isAuthenticated()) return res.sendStatus(401);",
        "    res.json(await storage.getUser(req.user.id));",
        "  });",
        "",
        '  app.delete("/api/tasks/:id", async (req, res) => {',
        "    await storage.deleteTask(Number(req.params.id));",
        "    res.sendStatus(204);",
        "  });",
        "",
        "  return createServer(app);",
        "}",
        "",
    ]
    text = "\n".join(routes)
    b.file("server/routes.ts", text)
    b.clean(
        "supabase/api-exposure", "health-route-without-auth", "server/routes.ts", '"/api/health"'
    )
    b.fault(
        "supabase/api-exposure", "unauthenticated-route", "server/routes.ts", 'app.get("/api/tasks"'
    )
    b.clean(
        "supabase/api-exposure", "authenticated-route", "server/routes.ts", 'app.post("/api/tasks"'
    )
    b.fault("supabase/api-exposure", "unauthenticated-route", "server/routes.ts", "app.delete(")
    b.clean("supabase/api-exposure", "auth-checked-in-handler", "server/routes.ts", '"/api/me"')
    b.deps["zod"] = "^3.24.2"
    if validate:
        b.clean("production-signals", "validation-used", None)
    else:
        b.fault("production-signals", "validation-listed-unused", None)
    b.file(
        "server/auth.ts",
        'import type { RequestHandler } from "express";\n\nexport const '
        "isAuthenticated: RequestHandler = (req, res, next) =>\n  req.isAuthenticated?.() ? "
        "next() : res.status(401).json({ message: 'Unauthorized' });\n",
    )
    b.file(
        "server/storage.ts",
        'import { drizzle } from "drizzle-orm/neon-http";\nimport { neon } '
        'from "@neondatabase/serverless";\n\nconst db = drizzle(neon(process.env.DATABASE_URL!));\n'
        "export const storage = {\n  getTasks: async () => [],\n"
        "  createTask: async (t: unknown) => t,\n"
        "  deleteTask: async (_id: number) => {},\n  db,\n};\n",
    )
    seed_script(b, "server/seed.ts")
    readme(b, "Task tracker", "Built on Replit.")
    locked = vulnerable_or_patched(b)
    b.package_json(name, license="MIT")
    b.npm_lock(name, locked)
    maybe_workflows(b, 0.2)
    b.commit("Initial commit")
    if r.random() < 0.4:
        history_secret(
            b,
            "server/github.ts",
            lambda v: f"const client = new Octokit({{ auth: {v} }});",
            github_token(r),
        )
    else:
        history_placeholder(b)


def _replit_flask(b: RepoBuilder) -> None:
    r = b.rng
    b.file(
        ".replit",
        'modules = ["python-3.11", "postgresql-16"]\nrun = "python main.py"\n\n'
        '[nix]\nchannel = "stable-24_05"\n\n[deployment]\nrun = ["gunicorn", "--bind", '
        '"0.0.0.0:5000", "main:app"]\n',
    )
    b.file("replit.nix", "{pkgs}: {\n  deps = [ pkgs.postgresql pkgs.openssl ];\n}\n")
    b.stack.add("flask")
    flask_version = r.choice(["2.2.2", "3.0.3"])
    sentry = r.random()
    reqs = [
        f"flask=={flask_version}",
        "flask-sqlalchemy==3.1.1",
        "flask-login==0.6.3",
        "flask-cors==4.0.1",
        "gunicorn==23.0.0",
        "psycopg2-binary==2.9.9",
    ]
    if sentry < 0.7:
        reqs.append("sentry-sdk[flask]==2.14.0")
    b.file("requirements.txt", "\n".join(reqs) + "\n")
    if flask_version == "2.2.2":
        b.fault("dependencies", "known-vulnerable-version", "requirements.txt")
    else:
        b.clean("dependencies", "patched-version", "requirements.txt")
    cors_open = r.random() < 0.5
    secret_inline = r.random() < 0.4
    lines = [
        "import os",
        "",
        "from flask import Flask, jsonify, request",
        "from flask_cors import CORS",
        "from flask_login import LoginManager, login_required",
        "from flask_sqlalchemy import SQLAlchemy",
    ]
    if sentry < 0.35:
        lines.append("import sentry_sdk")
    lines += ["", "app = Flask(__name__)"]
    if sentry < 0.35:
        lines.insert(
            lines.index("app = Flask(__name__)"),
            'sentry_sdk.init(dsn=os.environ.get("SENTRY_DSN"))\n',
        )
        b.clean("production-signals", "error-tracker-initialised", None)
    elif sentry < 0.7:
        b.fault("production-signals", "error-tracker-listed-unused", None)
    if secret_inline:
        lines.append(f'app.secret_key = "{rand(r, 28)}"')
    else:
        lines.append('app.secret_key = os.environ.get("SESSION_SECRET")')
    lines.append('app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL")')
    if cors_open:
        lines.append('CORS(app, supports_credentials=True, origins="*")')
    else:
        lines.append('CORS(app, origins=[os.environ["FRONTEND_URL"]])')
    lines += [
        "db = SQLAlchemy(app)",
        "login_manager = LoginManager(app)",
        "",
        "",
        "class Note(db.Model):",
        "    id = db.Column(db.Integer, primary_key=True)",
        "    body = db.Column(db.Text)",
        "",
        "",
        '@app.route("/health")',
        "def health():",
        "    return jsonify(ok=True)",
        "",
        "",
        '@app.route("/api/notes", methods=["GET"])',
        "def list_notes():",
        "    return jsonify([n.body for n in Note.query.all()])",
        "",
        "",
        '@app.route("/api/notes", methods=["POST"])',
        "@login_required",
        "def add_note():",
        '    db.session.add(Note(body=request.json["body"]))',
        "    db.session.commit()",
        "    return jsonify(ok=True), 201",
        "",
        "",
        'if __name__ == "__main__":',
        '    app.run(host="0.0.0.0", port=5000)',
        "",
    ]
    text = "\n".join(lines)
    b.file("main.py", text)
    if secret_inline:
        b.fault("secrets", "session-secret-in-code", "main.py", "app.secret_key")
    else:
        b.clean("secrets", "session-secret-from-env", "main.py", "app.secret_key")
    if cors_open:
        b.fault("supabase/api-exposure", "cors-any-origin-credentials", "main.py", "CORS(app,")
    else:
        b.clean("supabase/api-exposure", "cors-origin-from-env", "main.py", "CORS(app,")
    b.fault("supabase/api-exposure", "unauthenticated-route", "main.py", "def list_notes")
    b.clean("supabase/api-exposure", "authenticated-route", "main.py", "def add_note")
    b.clean("supabase/api-exposure", "health-route-without-auth", "main.py", "def health")
    b.file(
        "templates/login.html",
        '<form method="post">\n  <input name="email" type="email">\n'
        '  <input name="password" type="password" placeholder="Password">\n</form>\n',
    )
    b.clean("secrets", "password-placeholder", "templates/login.html", 'placeholder="Password"')
    if r.random() < 0.4:
        pw = password(r)
        b.file(
            "docs/deploy.md",
            "# Deploying\n\nProduction database:\n\n"
            f"    DATABASE_URL=postgresql://neondb_owner:{pw}@ep-{rand(r, 6, LOWER)}-"
            f"{rand(r, 6, LOWER)}"
            ".us-east-2.aws.neon.tech/neondb?sslmode=require\n",
        )
        b.fault("secrets", "connection-string-in-docs", "docs/deploy.md", "DATABASE_URL=")
    else:
        b.file(
            "docs/deploy.md",
            "# Deploying\n\nSet the database in Replit's Secrets tab:\n\n"
            "    DATABASE_URL=postgresql://${PGUSER}:${PGPASSWORD}@${PGHOST}/${PGDATABASE}\n",
        )
        b.clean("secrets", "connection-string-from-variables", "docs/deploy.md", "DATABASE_URL=")
    maybe_workflows(b, 0.2, "pytest -q")
    b.commit("Initial commit")
    if r.random() < 0.4:
        key = aws_key_id(r)
        text = f'import boto3\n\ns3 = boto3.client("s3", aws_access_key_id="{key}")\n'
        b.file("storage.py", text)
        b.fault("secrets-history", "secret-removed-later", "storage.py", "aws_access_key_id=")
        b.commit("Upload notes to S3")
        b.file("storage.py", 'import boto3\n\ns3 = boto3.client("s3")\n')
        b.commit("Use the instance role")
    else:
        aws_docs_example = "AK" + "IA" + "IOSFODNN7EXAMPLE"
        b.file(
            "storage.py",
            f'import boto3\n\ns3 = boto3.client("s3", aws_access_key_id="{aws_docs_example}")\n',
        )
        b.clean(
            "secrets-history", "aws-docs-example-removed-later", "storage.py", "aws_access_key_id="
        )
        b.commit("S3 stub")
        b.file("storage.py", 'import boto3\n\ns3 = boto3.client("s3")\n')
        b.commit("Use the instance role")


def notebook(b: RepoBuilder, path: str) -> None:
    """A notebook someone tried the model in: the key typed into a cell, or read from env."""
    r = b.rng
    inline = r.random() < 0.5
    key = f'"{openai_key(r)}"' if inline else 'os.environ["OPENAI_API_KEY"]'
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Trying prompts\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": [
                "import os\n",
                "from openai import OpenAI\n",
                f"client = OpenAI(api_key={key})\n",
            ],
        },
    ]
    text = json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )
    b.file(path, text + "\n")
    if inline:
        b.fault("secrets", "api-key-in-notebook", path, "client = OpenAI(")
    else:
        b.clean("secrets", "notebook-key-from-env", path, "client = OpenAI(")


def gitlab_ci(b: RepoBuilder) -> None:
    """GitLab CI as an agency's mirror runs it: tests only on a branch, or on every push."""
    r = b.rng
    branch_only = r.random() < 0.5
    rules = "  only:\n    - develop\n" if branch_only else ""
    text = (
        "image: node:20\n\nstages:\n  - test\n\ntest:\n  stage: test\n"
        "  script:\n    - npm ci\n    - npm test\n" + rules
    )
    b.file(".gitlab-ci.yml", text)
    if branch_only:
        # One job in the file: the fault is the file's (the job or its `only:` both say it).
        b.fault("ci", "tests-never-trigger-on-default", ".gitlab-ci.yml")
    else:
        b.clean("ci", "tests-trigger-on-default", ".gitlab-ci.yml")


def build_cursor(b: RepoBuilder) -> None:
    """Any stack, edited in Cursor: rules files, often Prisma or Drizzle, often CI."""
    r = b.rng
    mentions = "Use TypeScript strictly. Prefer Tailwind for styles. Data access through Prisma."
    if r.random() < 0.5:
        b.file(".cursorrules", f"You are an expert full-stack engineer.\n{mentions}\n")
    else:
        b.file(
            ".cursor/rules/general.mdc",
            f"---\ndescription: house rules\nalwaysApply: true\n---\n{mentions}\n",
        )
    name = "cursor-app"
    b.deps.update({"next": "15.0.3", "react": "19.0.0", "react-dom": "19.0.0"})
    b.dev_deps.update({"typescript": "5.6.3", "vitest": "2.1.4"})
    b.scripts.update({"dev": "next dev", "build": "next build", "test": "vitest run"})
    b.stack |= {"nextjs", "typescript"}
    b.file("tsconfig.json", json.dumps({"compilerOptions": {"strict": True}}, indent=2) + "\n")
    b.file(
        "app/page.tsx", "export default function Home() {\n  return <main>Dashboard</main>;\n}\n"
    )
    b.file(
        "app/page.test.tsx",
        "import { test, expect } from 'vitest';\n\ntest('renders', () => expect(1).toBe(1));\n",
    )
    if r.random() < 0.5:
        b.dev_deps["tailwindcss"] = "^4.0.0"
        b.dev_deps["@tailwindcss/postcss"] = "^4.0.0"
        b.stack.add("tailwind")
        b.file("app/globals.css", '@import "tailwindcss";\n')
        b.file(
            "postcss.config.mjs", 'export default { plugins: { "@tailwindcss/postcss": {} } };\n'
        )
    else:
        b.file("app/globals.css", "body { font-family: system-ui; }\n")
    db = r.choice(["prisma", "drizzle", "mongoose"])
    if db == "prisma":
        b.deps["@prisma/client"] = "^5.22.0"
        b.dev_deps["prisma"] = "^5.22.0"
        b.stack.add("prisma")
        b.file(
            "prisma/schema.prisma",
            'datasource db {\n  provider = "postgresql"\n  url = '
            'env("DATABASE_URL")\n}\n\nmodel User {\n  id String @id\n  email String @unique\n}\n',
        )
        b.file(
            "lib/db.ts",
            'import { PrismaClient } from "@prisma/client";\n'
            "export const db = new PrismaClient();\n",
        )
    elif db == "drizzle":
        b.deps["drizzle-orm"] = "^0.36.1"
        b.deps["postgres"] = "^3.4.5"
        b.dev_deps["drizzle-kit"] = "^0.28.0"
        b.stack.add("drizzle")
        b.file(
            "lib/db.ts",
            'import { drizzle } from "drizzle-orm/postgres-js";\nimport postgres from '
            '"postgres";\nexport const db = drizzle(postgres(process.env.DATABASE_URL!));\n',
        )
        b.file(
            "drizzle.config.ts",
            'import { defineConfig } from "drizzle-kit";\nexport default '
            'defineConfig({ schema: "./lib/schema.ts", dialect: "postgresql" });\n',
        )
    else:
        b.deps["mongoose"] = "^8.8.1"
        b.stack.add("mongodb")
        if r.random() < 0.4:
            cluster = f"cluster0.{rand(r, 5, LOWER + '0123456789')}.mongodb.net"
            uri = f"mongodb+srv://app:{password(r)}@{cluster}/app?retryWrites=true"
            b.file(
                "lib/db.ts",
                'import mongoose from "mongoose";\n\n'
                f'export const connect = () => mongoose.connect("{uri}");\n',
            )
            b.fault("secrets", "connection-string-in-code", "lib/db.ts", "mongoose.connect(")
        else:
            b.file(
                "lib/db.ts",
                'import mongoose from "mongoose";\nexport const connect = () => '
                "mongoose.connect(process.env.MONGODB_URI!);\n",
            )
    ai = r.random()
    if ai < 0.5:
        b.deps["@anthropic-ai/sdk"] = "^0.32.1"
        b.stack.add("anthropic")
        b.file(
            "lib/ai.ts",
            'import Anthropic from "@anthropic-ai/sdk";\n\nexport const anthropic = '
            "new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY });\n",
        )
        b.clean("secrets", "key-from-process-env", "lib/ai.ts", "process.env.ANTHROPIC_API_KEY")
    if r.random() < 0.4:
        b.deps["@clerk/nextjs"] = "^6.3.1"
        b.stack.add("clerk")
        b.file(
            "middleware.ts",
            'import { clerkMiddleware } from "@clerk/nextjs/server";\n\n'
            "export default clerkMiddleware();\n",
        )
    if r.random() < 0.3:
        b.deps.update({"@trpc/server": "^11.0.0-rc.608", "@trpc/client": "^11.0.0-rc.608"})
        b.stack.add("trpc")
        b.file(
            "server/trpc.ts",
            'import { initTRPC } from "@trpc/server";\n\nconst t = initTRPC.create();\n'
            "export const router = t.router;\nexport const publicProcedure = t.procedure;\n",
        )
    # docker-compose for the local database: a variable, or a password typed in.
    pw_inline = r.random() < 0.4
    pw = password(r) if pw_inline else "${DB_PASSWORD}"
    compose = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_USER: app\n"
        f"      POSTGRES_PASSWORD: {pw}\n    ports:\n      - '5432:5432'\n"
        "  cache:\n    image: redis:7\n"
    )
    b.file("docker-compose.yml", compose)
    if pw_inline:
        b.fault(
            "secrets", "database-password-in-compose", "docker-compose.yml", "POSTGRES_PASSWORD:"
        )
    else:
        b.clean("secrets", "database-password-variable", "docker-compose.yml", "POSTGRES_PASSWORD:")
    if r.random() < 0.4:
        host = f"redis-{rand(r, 5, '0123456789')}.c1.us-east-1-2.ec2.redns.redis-cloud.com"
        url = f"redis://default:{password(r)}@{host}:12000"
        b.file(
            "lib/cache.ts",
            f'import Redis from "ioredis";\n\nexport const redis = new Redis("{url}");\n',
        )
        b.deps["ioredis"] = "^5.4.1"
        b.fault("secrets", "connection-string-in-code", "lib/cache.ts", "new Redis(")
    else:
        b.file(
            "lib/cache.ts",
            'import Redis from "ioredis";\n\n'
            "export const redis = new Redis(process.env.REDIS_URL!);\n",
        )
        b.deps["ioredis"] = "^5.4.1"
    env_example(b, ["DATABASE_URL", "ANTHROPIC_API_KEY", "REDIS_URL"])
    if r.random() < 0.3:
        notebook(b, "notebooks/explore.ipynb")
    if r.random() < 0.25:
        gitlab_ci(b)
    b.file(
        "docs/architecture.md",
        "# Architecture\n\nNext.js app router. Local services in "
        "docker-compose.\n\n```\nDATABASE_URL=postgres://app:${DB_PASSWORD}@localhost:5432/app\n```\n",
    )
    b.clean("secrets", "connection-string-from-variables", "docs/architecture.md", "DATABASE_URL=")
    seed_script(b, "scripts/seed.ts")
    if r.random() < 0.5:
        b.deps["pino"] = "^9.5.0"
        if r.random() < 0.5:
            b.file(
                "lib/log.ts",
                'import pino from "pino";\n\nexport const log = pino({ level: "info" });\n',
            )
            b.clean("production-signals", "structured-logger-used", None)
        else:
            b.fault("production-signals", "structured-logger-listed-unused", None)
    locked = vulnerable_or_patched(b)
    b.package_json(name)
    b.npm_lock(name, locked)
    readme(b, "Cursor app", "A dashboard, written in Cursor.")
    maybe_workflows(b, 0.8)
    b.commit("Initial commit")
    if r.random() < 0.5:
        history_secret(
            b, "lib/email.ts", lambda v: f"const client = new Resend({v});", resend_key(r)
        )
    else:
        history_placeholder(b)


BUILD: dict[str, Callable[[RepoBuilder], None]] = {
    "lovable": build_lovable,
    "v0": build_v0,
    "replit": build_replit,
    "bolt": build_bolt,
    "cursor": build_cursor,
}


def build_corpus(root: Path, *, seed: int = 14, per_builder: int = 4) -> Corpus:
    """`per_builder` repositories of each builder under `root`, the same for the same seed."""
    root.mkdir(parents=True, exist_ok=True)
    repos = []
    for builder in BUILDERS:
        for index in range(per_builder):
            rng = random.Random(f"{seed}-{builder}-{index}")
            b = RepoBuilder(root, f"{builder}-{index:02d}", builder, rng)
            BUILD[builder](b)
            repos.append(b.finish())
    return Corpus(root=root, seed=seed, repos=repos)
