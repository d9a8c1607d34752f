"""Detectors for the stack: front-end frameworks, back-end frameworks and hosted backends,
from dependency manifests and the configuration files each one needs."""

from __future__ import annotations

import re
from typing import Any

from ..context import ScanContext
from ..model import Evidence, RuleKind
from ..registry import Outcome, rule
from ..snapshot import FileEntry
from .helpers import MEDIUM, STRONG, WEAK, Hint, clean_version, dep_hint, detect, file_hint


def _config_files(ctx: ScanContext, prefix: str) -> list[FileEntry]:
    return [e for e in ctx.snapshot.files.values() if e.lname.startswith(prefix)][:3]


def _config_hints(ctx: ScanContext, name: str) -> list[Hint]:
    """A medium hint for each of the first `name`.* files (next.config.mjs, nuxt.config.ts)."""
    return [Hint(MEDIUM, Evidence(name, e.path)) for e in _config_files(ctx, f"{name}.")]


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
    return detect("react-vite", "React (Vite)", hints, version=clean_version(react.spec))


@rule(**_detector("nextjs", "Next.js"))
def nextjs(ctx: ScanContext) -> Outcome:
    """Next.js: the `next` dependency or a next.config.* file."""
    dep = ctx.manifests.npm("next")
    hints = dep_hint(dep, STRONG)
    hints += _config_hints(ctx, "next.config")
    return detect("nextjs", "Next.js", hints, version=clean_version(dep.spec if dep else None))


@rule(**_detector("vue", "Vue"))
def vue(ctx: ScanContext) -> Outcome:
    """Vue: the `vue` or `nuxt` dependency, a nuxt.config, or .vue single-file components."""
    m = ctx.manifests
    dep = m.npm("vue")
    hints = dep_hint(dep, STRONG) + dep_hint(m.npm("nuxt"), STRONG)
    hints += _config_hints(ctx, "nuxt.config")
    sfc = next((e for e in ctx.snapshot.files.values() if e.suffix == ".vue"), None)
    hints += file_hint(sfc, ".vue components", MEDIUM)
    return detect("vue", "Vue", hints, version=clean_version(dep.spec if dep else None))


@rule(**_detector("svelte", "Svelte"))
def svelte(ctx: ScanContext) -> Outcome:
    """Svelte or SvelteKit: the `svelte` / `@sveltejs/kit` dependencies or svelte.config.*."""
    m = ctx.manifests
    dep = m.npm("svelte")
    hints = dep_hint(dep, STRONG) + dep_hint(m.npm("@sveltejs/kit"), STRONG)
    hints += _config_hints(ctx, "svelte.config")
    name = "SvelteKit" if m.npm("@sveltejs/kit") else "Svelte"
    return detect("svelte", name, hints, version=clean_version(dep.spec if dep else None))


@rule(**_detector("express", "Express"))
def express(ctx: ScanContext) -> Outcome:
    """Express: the `express` dependency."""
    dep = ctx.manifests.npm("express")
    return detect(
        "express", "Express", dep_hint(dep), version=clean_version(dep.spec if dep else None)
    )


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
    return detect("django", "Django", hints, version=clean_version(dep.spec if dep else None))


@rule(**_detector("flask", "Flask"))
def flask(ctx: ScanContext) -> Outcome:
    """Flask: the `flask` requirement."""
    dep = ctx.manifests.pypi("flask")
    return detect("flask", "Flask", dep_hint(dep), version=clean_version(dep.spec if dep else None))


@rule(**_detector("fastapi", "FastAPI"))
def fastapi(ctx: ScanContext) -> Outcome:
    """FastAPI: the `fastapi` requirement."""
    dep = ctx.manifests.pypi("fastapi")
    return detect(
        "fastapi", "FastAPI", dep_hint(dep), version=clean_version(dep.spec if dep else None)
    )


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
    return detect("supabase", "Supabase", hints, version=clean_version(dep.spec if dep else None))


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
    return detect("firebase", "Firebase", hints, version=clean_version(dep.spec if dep else None))
