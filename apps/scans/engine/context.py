"""What a rule sees: the snapshot, the content pass's records and facts derived once per scan
(dependencies, whether there is server code, which files end up in a browser)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .content import CODE_SUFFIXES, JS_SUFFIXES, SignalHit
from .history import HistoryScan
from .manifests import Manifests, load_manifests
from .secrets import SecretMatch
from .snapshot import FileEntry, ScanLimits, Snapshot
from .vulns import VulnerabilitySource

_CLIENT_ENV_PREFIXES = (
    "VITE_",
    "NEXT_PUBLIC_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "NUXT_PUBLIC_",
    "GATSBY_",
    "VUE_APP_",
    "PUBLIC_",
)
_SERVER_SEGMENTS = frozenset(
    {"server", "api", "functions", "supabase", "backend", "scripts", "prisma", "migrations",
     "netlify", "edge-functions", "lambda", "lambdas", "cron", "workers", "worker", "db"}
)  # fmt: skip
_SERVER_NAME = re.compile(
    r"\.server\.|^\+server\.|^\+page\.server\.|^\+layout\.server\.|^middleware\.|^route\.[jt]sx?$"
    r"|\.config\.[cm]?[jt]s$|^server\.[cm]?[jt]s$"
)
USE_CLIENT_SIGNAL = "use-client"
_SERVER_ENTRY_POINTS = frozenset(
    {"server.js", "server.ts", "server.mjs", "app.py", "wsgi.py", "asgi.py"}
)


def client_env_prefix(name: str) -> str | None:
    """The framework prefix that ships a variable to browsers (`VITE_`, `NEXT_PUBLIC_`...)."""
    return next((p for p in _CLIENT_ENV_PREFIXES if name.startswith(p)), None)


@dataclass
class ScanContext:
    snapshot: Snapshot
    hits: dict[str, list[SignalHit]] = field(default_factory=dict)
    secrets: list[SecretMatch] = field(default_factory=list)
    history: HistoryScan | None = None  # None: this scan was not asked to read git history
    vulnerabilities: VulnerabilitySource | None = None  # None: dependencies are not looked up
    # Work several rules share (parsed Dockerfiles, replayed migrations), keyed by its maker.
    shared: dict[str, Any] = field(default_factory=dict)
    _lines_path: str | None = field(default=None, repr=False)
    _lines: list[str] = field(default_factory=list, repr=False)

    @property
    def limits(self) -> ScanLimits:
        return self.snapshot.limits

    def read(self, path: str) -> str | None:
        return self.snapshot.read_text(path)

    def line_text(self, path: str, number: int) -> str:
        """Line `number` (1-based, as in a SignalHit) of a file, "" past its end.

        Lines are split on "\n" only, as the content pass counts them (`splitlines` would also
        break at form feeds and U+2028 and shift the numbering). Only the last file asked
        about is kept: hits come file by file, and memory stays bounded.
        """
        if path != self._lines_path:
            self._lines = (self.read(path) or "").split("\n")
            self._lines_path = path
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    def signal(self, name: str) -> list[SignalHit]:
        return self.hits.get(name, [])

    def secrets_for(self, rule_id: str) -> list[SecretMatch]:
        return [s for s in self.secrets if s.rule_id == rule_id]

    @cached_property
    def manifests(self) -> Manifests:
        return load_manifests(self.snapshot)

    @cached_property
    def has_code(self) -> bool:
        """Anything to judge: source files or a dependency manifest."""
        return self.manifests.has_any or any(
            e.suffix in CODE_SUFFIXES for e in self.snapshot.files.values()
        )

    @cached_property
    def has_backend(self) -> bool:
        """Whether the repository runs code of its own on servers: a server (see has_server)
        or serverless functions (Supabase edge functions, Netlify or Vercel functions), as
        opposed to a static single-page app talking only to a hosted backend."""
        if self.has_server:
            return True
        return any(
            e.path.startswith(("supabase/functions/", "api/", "netlify/functions/", "functions/"))
            and e.suffix in CODE_SUFFIXES
            for e in self.snapshot.files.values()
        )

    @cached_property
    def has_server(self) -> bool:
        """Whether the repository is (or contains) a long-running web server: the kind a
        platform health-checks and that keeps a cache."""
        m = self.manifests
        if m.npm(
            "express", "koa", "fastify", "hono", "@nestjs/core", "next", "nuxt", "@sveltejs/kit",
            "@remix-run/node", "@remix-run/server-runtime", "@hapi/hapi", "restify", "elysia",
            "firebase-functions", "@trpc/server", "@apollo/server", "astro",
        ):  # fmt: skip
            return True
        if m.pypi(
            "django", "flask", "fastapi", "starlette", "sanic", "aiohttp", "tornado", "litestar",
            "quart", "bottle", "pyramid", "falcon",
        ):  # fmt: skip
            return True
        snap = self.snapshot
        if any(snap.exists(p) for p in ("manage.py", "go.mod", "Gemfile", "composer.json")):
            return True
        return any(
            (e.path.startswith("server/") or e.lname in _SERVER_ENTRY_POINTS)
            and e.suffix in CODE_SUFFIXES
            for e in snap.files.values()
        )

    @cached_property
    def _frontend_roots(self) -> tuple[str, ...]:
        """Directories of single-page apps whose `src/` is all browser code (Vite, CRA, Vue
        CLI, SvelteKit): their package.json names a bundler and no server framework."""
        roots = []
        for pkg in self.manifests.package_jsons:
            names = {d.name for d in pkg.dependencies}
            bundled = names & {"vite", "react-scripts", "@vue/cli-service", "@sveltejs/kit"}
            server = names & {"express", "koa", "fastify", "hono", "@nestjs/core", "next"}
            if bundled and not server:
                roots.append(pkg.dir)
        for entry in self.snapshot.files.values():
            if entry.lname.startswith("vite.config.") and entry.dir not in roots:
                roots.append(entry.dir)
        return tuple(roots)

    @cached_property
    def _use_client_files(self) -> frozenset[str]:
        return frozenset(hit.path for hit in self.signal(USE_CLIENT_SIGNAL))

    def is_client_path(self, path: str) -> bool:
        """Whether a file ends up in the browser: source of a bundled single-page app, a
        `"use client"` module, index.html, or anything under public/ or static/."""
        entry = self.snapshot.file(path)
        if entry is None or entry.suffix == ".py" or _SERVER_NAME.search(entry.lname):
            return False
        if path in self._use_client_files:
            return True
        segments = path.split("/")[:-1]
        if entry.suffix in JS_SUFFIXES and "server" not in segments:
            for root in self._frontend_roots:
                if _is_under(path, f"{root}/src" if root else "src"):
                    return True
        if any(s in _SERVER_SEGMENTS for s in segments):
            return False
        return entry.lname == "index.html" or any(s in {"public", "static"} for s in segments)

    def files_matching(self, regex: re.Pattern[str]) -> list[FileEntry]:
        return [e for p, e in self.snapshot.files.items() if regex.search(p)]


def _is_under(path: str, directory: str) -> bool:
    return path.startswith(directory + "/")
