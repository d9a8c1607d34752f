"""Scan fixtures (a pytest plugin, see tests/conftest.py): engagements whose repository is a
local git repository built per test."""

import pytest

from apps.projects import services as project_services
from tests.factories import ClientFactory
from tests.scans.engine.gitrepo import make_repo

# A small prototype the way Lovable exports it: React on Vite with Supabase, a committed
# .env, no tests, no CI, no Dockerfile.
LOVABLE_APP = {
    "package.json": (
        '{"name": "acme", "scripts": {"dev": "vite", "build": "vite build"},'
        ' "dependencies": {"react": "^18.2.0", "@supabase/supabase-js": "^2.39.0"},'
        ' "devDependencies": {"vite": "^5.0.0", "lovable-tagger": "^1.0.0"}}'
    ),
    "vite.config.ts": "import { defineConfig } from 'vite'\nexport default defineConfig({})\n",
    "src/main.tsx": "import React from 'react'\nconsole.log('hello')\n",
    "README.md": "# Acme\n\nBuilt with [Lovable](https://lovable.dev).\n",
    ".env": "VITE_SUPABASE_URL=https://abcd.supabase.co\n",
}

# The same app after an engineer's first week: tests, CI running them, a lockfile.
HARDENED_APP = {
    **{k: v for k, v in LOVABLE_APP.items() if k != ".env"},
    "package.json": (
        '{"name": "acme", "scripts": {"dev": "vite", "build": "vite build", "test": "vitest run"},'
        ' "dependencies": {"react": "18.2.0", "@supabase/supabase-js": "2.39.0"},'
        ' "devDependencies": {"vite": "5.0.0", "vitest": "1.2.0"}}'
    ),
    "package-lock.json": '{"name": "acme", "lockfileVersion": 3, "packages": {}}',
    "src/App.test.tsx": (
        "import { test, expect } from 'vitest'\ntest('adds', () => expect(1 + 1).toBe(2))\n"
    ),
    ".github/workflows/ci.yml": (
        "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: npm ci\n      - run: npm test\n"
    ),
    ".env.example": "VITE_SUPABASE_URL=\n",
}


@pytest.fixture
def repo(tmp_path):
    def build(files=None, name="repo"):
        return make_repo(tmp_path / name, files if files is not None else LOVABLE_APP)

    return build


@pytest.fixture
def scanned_project(agency, owner, catalog):
    """An engagement (Lovable, small tier) whose repository is at `repository_url`."""

    def make(repository_url, **fields):
        client = ClientFactory(agency=agency, name=fields.pop("client_name", "Acme"))
        project = project_services.project_create(
            actor=owner, client=client, name="Acme app", source_platform="lovable", **fields
        )
        project.repository_url = repository_url
        project.save(update_fields=["repository_url"])
        return project

    return make
