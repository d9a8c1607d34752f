"""Which files and paths change how a secret is judged: example and template files (their
matches are marked), `.env` files, test code, documentation, and files of bare `KEY=value`."""

from __future__ import annotations

import re

# Files where values are written bare (KEY=value), so unquoted values count as literals.
BARE_VALUE_SUFFIXES = frozenset(
    {".env", ".yml", ".yaml", ".ini", ".cfg", ".conf", ".properties", ".toml", ".sh", ".bash"}
)
# Prose with code in it: read like code (quoted values), and bare values only in the
# `NAME=value` lines people paste from a terminal or a .env (see detector._check_assignment).
DOC_SUFFIXES = frozenset(
    {".md", ".mdx", ".markdown", ".rst", ".txt", ".adoc", ".asciidoc", ".html", ".htm"}
)
NOTEBOOK_SUFFIX = ".ipynb"
_EXAMPLE_MARKERS = frozenset(
    {"example", "examples", "sample", "template", "dist", "defaults", "tmpl", "tpl"}
)
_NAME_TOKENS = re.compile(r"[._\-]+")
_TEST_SEGMENTS = frozenset(
    {"test", "tests", "__tests__", "spec", "specs", "fixtures", "fixture", "__mocks__", "mocks",
     "e2e", "cypress", "testdata", "test-data", "__fixtures__", "stories"}
)  # fmt: skip


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


_SEED_SEGMENTS = frozenset({"seed", "seeds", "seeders", "seeding", "demo", "demo-data", "fixtures"})
_SEED_TOKENS = frozenset({"seed", "seeds", "seeder", "seeding", "demo"})


def is_seed_path(path: str) -> bool:
    """A script that fills a database with starting or demo data: `prisma/seed.ts`,
    `supabase/seed.sql`, `scripts/seed_users.py`, `db/seeds/admin.rb`, `demo-data.ts`."""
    segments = path.lower().split("/")
    stem = segments[-1].split(".", 1)[0]
    return any(s in _SEED_SEGMENTS for s in segments[:-1]) or any(
        token in _SEED_TOKENS for token in _NAME_TOKENS.split(stem)
    )


def is_bare_value_file(lname: str, suffix: str) -> bool:
    """A file where an unquoted value after a secret-like name counts as a literal."""
    return (
        suffix in BARE_VALUE_SUFFIXES
        or is_env_file(lname)
        or lname in {"dockerfile", "credentials", "procfile"}
    )
