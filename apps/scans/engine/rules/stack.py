"""Detectors for the stack: front-end frameworks, back-end frameworks and hosted backends,
language, styling, ORMs, auth, payments and AI SDKs, from dependency manifests (versions as
the lockfile resolves them) and the configuration files each one needs."""

from __future__ import annotations

import re
from typing import Any

from ..content import JS_SUFFIXES, signal
from ..context import ScanContext
from ..manifests import Dependency
from ..model import Evidence, RuleKind
from ..registry import Outcome, rule
from ..snapshot import FileEntry
from .helpers import (
    MEDIUM,
    STRONG,
    WEAK,
    Hint,
    clean_version,
    dep_hint,
    detect,
    file_hint,
    uses_supabase,
)


def _config_files(ctx: ScanContext, prefix: str) -> list[FileEntry]:
    return [e for e in ctx.snapshot.files.values() if e.lname.startswith(prefix)][:3]


def _config_hints(ctx: ScanContext, name: str) -> list[Hint]:
    """A medium hint for each of the first `name`.* files (next.config.mjs, nuxt.config.ts)."""
    return [Hint(MEDIUM, Evidence(name, e.path)) for e in _config_files(ctx, f"{name}.")]


def _installed(ctx: ScanContext, dep: Dependency | None) -> str | None:
    """The locked version when a lockfile has one, else the manifest's version number."""
    if dep is None:
        return None
    locked = ctx.manifests.locked(dep)
    return locked.version if locked else clean_version(dep.spec)


def _detector(detector_id: str, name: str) -> dict[str, Any]:
    return {
        "id": f"stack.{detector_id}",
        "title": f"Uses {name}",
        "category": "stack",
        "severity": "info",
        "kind": RuleKind.DETECTOR,
    }


@rule(**_detector("react-vite", "React with Vite"))
def react_vite(ctx: ScanContext) -> Outcome:
    """React rendered by Vite: `react` plus `vite` (or its React plugin), or a vite.config."""
    m = ctx.manifests
    react = m.npm("react")
    vite = m.npm("vite", "@vitejs/plugin-react", "@vitejs/plugin-react-swc")
    configs = _config_files(ctx, "vite.config.")
    if react is None or (vite is None and not configs):
        return detect("react-vite", "React (Vite)", [])
    hints = dep_hint(react, STRONG) + dep_hint(vite, MEDIUM)
    hints += [Hint(MEDIUM, Evidence("Vite config", e.path)) for e in configs[:1]]
    return detect("react-vite", "React (Vite)", hints, version=_installed(ctx, react))


@rule(**_detector("nextjs", "Next.js"))
def nextjs(ctx: ScanContext) -> Outcome:
    """Next.js: the `next` dependency or a next.config.* file."""
    dep = ctx.manifests.npm("next")
    hints = dep_hint(dep, STRONG)
    hints += _config_hints(ctx, "next.config")
    return detect("nextjs", "Next.js", hints, version=_installed(ctx, dep))


@rule(**_detector("vue", "Vue"))
def vue(ctx: ScanContext) -> Outcome:
    """Vue: the `vue` or `nuxt` dependency, a nuxt.config, or .vue single-file components."""
    m = ctx.manifests
    dep = m.npm("vue")
    hints = dep_hint(dep, STRONG) + dep_hint(m.npm("nuxt"), STRONG)
    hints += _config_hints(ctx, "nuxt.config")
    sfc = next((e for e in ctx.snapshot.files.values() if e.suffix == ".vue"), None)
    hints += file_hint(sfc, ".vue components", MEDIUM)
    return detect("vue", "Vue", hints, version=_installed(ctx, dep))


@rule(**_detector("svelte", "Svelte"))
def svelte(ctx: ScanContext) -> Outcome:
    """Svelte or SvelteKit: the `svelte` / `@sveltejs/kit` dependencies or svelte.config.*."""
    m = ctx.manifests
    dep = m.npm("svelte")
    hints = dep_hint(dep, STRONG) + dep_hint(m.npm("@sveltejs/kit"), STRONG)
    hints += _config_hints(ctx, "svelte.config")
    name = "SvelteKit" if m.npm("@sveltejs/kit") else "Svelte"
    return detect("svelte", name, hints, version=_installed(ctx, dep))


@rule(**_detector("express", "Express"))
def express(ctx: ScanContext) -> Outcome:
    """Express: the `express` dependency."""
    dep = ctx.manifests.npm("express")
    return detect("express", "Express", dep_hint(dep), version=_installed(ctx, dep))


_DJANGO_SETTINGS = re.compile(r"INSTALLED_APPS\s*=|DJANGO_SETTINGS_MODULE")


@rule(**_detector("django", "Django"))
def django(ctx: ScanContext) -> Outcome:
    """Django: the `django` requirement, or manage.py / settings naming Django."""
    dep = ctx.manifests.pypi("django")
    hints = dep_hint(dep, STRONG)
    manage = ctx.snapshot.named("manage.py")[:3]
    for entry in manage:
        text = ctx.read(entry.path) or ""
        if _DJANGO_SETTINGS.search(text) or "django" in text:
            hints.append(Hint(STRONG, Evidence("manage.py", entry.path)))
            break
    return detect("django", "Django", hints, version=_installed(ctx, dep))


@rule(**_detector("flask", "Flask"))
def flask(ctx: ScanContext) -> Outcome:
    """Flask: the `flask` requirement."""
    dep = ctx.manifests.pypi("flask")
    return detect("flask", "Flask", dep_hint(dep), version=_installed(ctx, dep))


@rule(**_detector("fastapi", "FastAPI"))
def fastapi(ctx: ScanContext) -> Outcome:
    """FastAPI: the `fastapi` requirement."""
    dep = ctx.manifests.pypi("fastapi")
    return detect("fastapi", "FastAPI", dep_hint(dep), version=_installed(ctx, dep))


@rule(**_detector("supabase", "Supabase"))
def supabase(ctx: ScanContext) -> Outcome:
    """Supabase: a client library (`@supabase/supabase-js`, `@supabase/ssr`, `supabase` on
    PyPI) or a `supabase/` project folder (config.toml, migrations, edge functions)."""
    m = ctx.manifests
    snap = ctx.snapshot
    dep = m.npm("@supabase/supabase-js", "@supabase/ssr", "@supabase/auth-helpers-nextjs")
    hints = dep_hint(dep, STRONG) + dep_hint(m.pypi("supabase"), STRONG)
    hints += file_hint(snap.file("supabase/config.toml"), "supabase/config.toml", STRONG)
    if snap.is_dir("supabase/migrations"):
        hints.append(Hint(MEDIUM, Evidence("supabase/migrations", "supabase/migrations")))
    if snap.is_dir("supabase/functions"):
        hints.append(Hint(MEDIUM, Evidence("supabase/functions", "supabase/functions")))
    return detect("supabase", "Supabase", hints, version=_installed(ctx, dep))


@rule(**_detector("firebase", "Firebase"))
def firebase(ctx: ScanContext) -> Outcome:
    """Firebase: the `firebase` / `firebase-admin` / `firebase-functions` libraries, or the
    project files firebase.json and .firebaserc."""
    m = ctx.manifests
    snap = ctx.snapshot
    dep = m.npm("firebase", "firebase-admin", "firebase-functions")
    hints = dep_hint(dep, STRONG) + dep_hint(m.pypi("firebase-admin"), STRONG)
    hints += file_hint(snap.root_file("firebase.json"), "firebase.json", STRONG)
    hints += file_hint(snap.root_file(".firebaserc"), ".firebaserc", MEDIUM)
    hints += file_hint(
        next(iter(snap.named("google-services.json")), None), "google-services.json", WEAK
    )
    return detect("firebase", "Firebase", hints, version=_installed(ctx, dep))


# --- what AI-built apps are made of: language, styling, data, auth, payments, AI SDKs ------

_PLAIN_RANGE = re.compile(r"[\^~<>=v]*\s*\d[\w.\-*]*(?:\s*(?:[<>=,|\s]+)\s*v?\d[\w.\-*]*){0,3}")


def _version(ctx: ScanContext, dep: Dependency | None) -> tuple[str | None, list[Hint]]:
    """The version installed, from the lockfile (with that line as evidence), else the range
    the manifest asks for; a git or URL spec (which can carry a token) gives no version."""
    if dep is None:
        return None, []
    locked = ctx.manifests.locked(dep)
    if locked is not None:
        lockfile = locked.path.rsplit("/", 1)[-1]
        detail = f"{locked.name} {locked.version} resolved in {lockfile}"
        return locked.version, [Hint(0, Evidence(detail, locked.path, locked.line))]
    spec = dep.spec.strip()
    if len(spec) <= 40 and _PLAIN_RANGE.fullmatch(spec):
        return spec, []
    return None, []


def _deps_detect(
    ctx: ScanContext,
    detector_id: str,
    name: str,
    strong: list[Dependency | None],
    extra: list[Hint] | None = None,
) -> Outcome:
    """A detection from dependencies (the first present one gives the version) and hints."""
    present = [d for d in strong if d is not None]
    hints = [h for d in present for h in dep_hint(d, STRONG)] + (extra or [])
    version, version_hints = _version(ctx, present[0] if present else None)
    return detect(detector_id, name, hints + version_hints, version=version)


@rule(**_detector("typescript", "TypeScript"))
def typescript(ctx: ScanContext) -> Outcome:
    """TypeScript: a tsconfig.json, the `typescript` dependency, or .ts/.tsx sources (type
    declarations alone, such as vite-env.d.ts, do not count)."""
    snap = ctx.snapshot
    hints = file_hint(next(iter(snap.named("tsconfig.json")), None), "tsconfig.json", STRONG)
    sources = [
        e
        for e in snap.files.values()
        if e.suffix in {".ts", ".tsx", ".mts", ".cts"} and not e.lname.endswith(".d.ts")
    ]
    if sources:
        detail = f"{len(sources)} TypeScript source file{'s' if len(sources) != 1 else ''}"
        hints.append(Hint(MEDIUM, Evidence(detail, sources[0].path)))
    return _deps_detect(ctx, "typescript", "TypeScript", [ctx.manifests.npm("typescript")], hints)


TAILWIND_DIRECTIVE = signal(
    "tailwind-directive",
    r"@(?:tailwind\s+(?:base|components|utilities)\b|import\s+[\"']tailwindcss[\"'/])",
    keywords=("@tailwind", "tailwindcss"),
    suffixes=(".css", ".scss", ".sass", ".less", ".pcss", ".postcss"),
    max_hits=5,
)


@rule(**_detector("tailwind", "Tailwind CSS"), signals=(TAILWIND_DIRECTIVE,))
def tailwind(ctx: ScanContext) -> Outcome:
    """Tailwind CSS: a tailwind.config.*, `@tailwind` directives (v3) or `@import
    "tailwindcss"` (v4) in a stylesheet, or the `tailwindcss` / `@tailwindcss/*` packages."""
    m = ctx.manifests
    hints = _config_hints(ctx, "tailwind.config")
    for hit in ctx.signal(TAILWIND_DIRECTIVE.name)[:1]:
        hints.append(Hint(STRONG, Evidence("Tailwind directive", hit.path, hit.line)))
    deps = [m.npm("tailwindcss"), m.npm("@tailwindcss/vite", "@tailwindcss/postcss")]
    return _deps_detect(ctx, "tailwind", "Tailwind CSS", deps, hints)


@rule(**_detector("prisma", "Prisma"))
def prisma(ctx: ScanContext) -> Outcome:
    """Prisma: a schema.prisma (or a prisma/ folder of .prisma files), or the `prisma` /
    `@prisma/client` packages (npm, or `prisma` on PyPI)."""
    m = ctx.manifests
    schema = next(iter(ctx.snapshot.named("schema.prisma")), None) or next(
        (e for e in ctx.snapshot.files.values() if e.suffix == ".prisma"), None
    )
    hints = file_hint(schema, "Prisma schema", STRONG)
    deps = [m.npm("@prisma/client"), m.npm("prisma"), m.pypi("prisma")]
    return _deps_detect(ctx, "prisma", "Prisma", deps, hints)


@rule(**_detector("drizzle", "Drizzle ORM"))
def drizzle(ctx: ScanContext) -> Outcome:
    """Drizzle ORM: a drizzle.config.*, `drizzle-orm`, or `drizzle-kit`."""
    m = ctx.manifests
    hints = [
        Hint(STRONG, Evidence("Drizzle config", e.path))
        for e in _config_files(ctx, "drizzle.config.")[:1]
    ]
    hints += dep_hint(m.npm("drizzle-kit"), MEDIUM)
    return _deps_detect(ctx, "drizzle", "Drizzle ORM", [m.npm("drizzle-orm")], hints)


@rule(**_detector("mongodb", "MongoDB"))
def mongodb(ctx: ScanContext) -> Outcome:
    """MongoDB: Mongoose, the `mongodb` driver, or PyMongo / Motor / MongoEngine / Beanie."""
    m = ctx.manifests
    mongoose = m.npm("mongoose")
    deps = [mongoose, m.npm("mongodb"), m.pypi("pymongo", "motor", "mongoengine", "beanie")]
    name = "MongoDB (Mongoose)" if mongoose else "MongoDB"
    return _deps_detect(ctx, "mongodb", name, deps)


@rule(**_detector("clerk", "Clerk"))
def clerk(ctx: ScanContext) -> Outcome:
    """Clerk authentication: any `@clerk/*` package, or `clerk-backend-api` on PyPI."""
    m = ctx.manifests
    return _deps_detect(ctx, "clerk", "Clerk", [m.npm("@clerk/*"), m.pypi("clerk-backend-api")])


@rule(**_detector("authjs", "Auth.js (NextAuth)"))
def authjs(ctx: ScanContext) -> Outcome:
    """Auth.js / NextAuth: `next-auth`, any `@auth/*` package, or a `[...nextauth]` route."""
    m = ctx.manifests
    route = next((e for e in ctx.snapshot.files.values() if "[...nextauth]" in e.path), None)
    hints = file_hint(route, "NextAuth route", MEDIUM)
    return _deps_detect(
        ctx, "authjs", "Auth.js (NextAuth)", [m.npm("next-auth"), m.npm("@auth/*")], hints
    )


SUPABASE_AUTH_CALL = signal(
    "supabase-auth-call",
    r"\.auth\.(?P<value>signInWith\w+|signUp|signOut|getUser|getSession|onAuthStateChange"
    r"|resetPasswordForEmail|updateUser|verifyOtp|exchangeCodeForSession|admin"
    r"|sign_in_with_\w+|sign_up|sign_out|get_user|get_session)\b",
    keywords=(".auth.",),
    suffixes=JS_SUFFIXES | {".py"},
    max_hits=10,
)


@rule(**_detector("supabase-auth", "Supabase Auth"), signals=(SUPABASE_AUTH_CALL,))
def supabase_auth(ctx: ScanContext) -> Outcome:
    """Supabase Auth: `supabase.auth.*` calls (sign-in, getUser, onAuthStateChange...) in a
    project that uses Supabase, or the Supabase auth helper and auth UI packages."""
    m = ctx.manifests
    client = m.npm("@supabase/supabase-js", "@supabase/ssr") or m.pypi("supabase")
    weight = STRONG if uses_supabase(ctx) else WEAK
    hints = [
        Hint(weight, Evidence(f"auth.{hit.value} call", hit.path, hit.line))
        for hit in ctx.signal(SUPABASE_AUTH_CALL.name)[:3]
    ]
    helpers = m.npm(
        "@supabase/auth-helpers-nextjs", "@supabase/auth-helpers-react", "@supabase/auth-ui-react"
    )
    hints += dep_hint(helpers, STRONG)
    version, version_hints = _version(ctx, client or helpers)
    return detect("supabase-auth", "Supabase Auth", hints + version_hints, version=version)


@rule(**_detector("stripe", "Stripe"))
def stripe(ctx: ScanContext) -> Outcome:
    """Stripe: `stripe` (npm or PyPI), `@stripe/stripe-js` or `@stripe/react-stripe-js`."""
    m = ctx.manifests
    deps = [
        m.npm("stripe"),
        m.npm("@stripe/stripe-js", "@stripe/react-stripe-js"),
        m.pypi("stripe"),
    ]
    return _deps_detect(ctx, "stripe", "Stripe", deps)


@rule(**_detector("openai", "OpenAI SDK"))
def openai(ctx: ScanContext) -> Outcome:
    """The OpenAI SDK: `openai` on npm or PyPI; the Vercel AI SDK and LangChain OpenAI
    providers count as medium hints."""
    m = ctx.manifests
    hints = dep_hint(m.npm("@ai-sdk/openai", "@langchain/openai"), MEDIUM)
    hints += dep_hint(m.pypi("langchain-openai"), MEDIUM)
    return _deps_detect(ctx, "openai", "OpenAI SDK", [m.npm("openai"), m.pypi("openai")], hints)


@rule(**_detector("anthropic", "Anthropic SDK"))
def anthropic(ctx: ScanContext) -> Outcome:
    """The Anthropic SDK: `@anthropic-ai/sdk` on npm or `anthropic` on PyPI; the Vercel AI SDK
    and LangChain Anthropic providers count as medium hints."""
    m = ctx.manifests
    hints = dep_hint(m.npm("@ai-sdk/anthropic", "@langchain/anthropic"), MEDIUM)
    hints += dep_hint(m.pypi("langchain-anthropic"), MEDIUM)
    deps = [m.npm("@anthropic-ai/sdk"), m.pypi("anthropic")]
    return _deps_detect(ctx, "anthropic", "Anthropic SDK", deps, hints)


@rule(**_detector("trpc", "tRPC"))
def trpc(ctx: ScanContext) -> Outcome:
    """tRPC: `@trpc/server`, `@trpc/client` or another `@trpc/*` package."""
    m = ctx.manifests
    return _deps_detect(ctx, "trpc", "tRPC", [m.npm("@trpc/server", "@trpc/client", "@trpc/*")])
