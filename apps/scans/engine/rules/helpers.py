"""Pieces the rule modules share: scoring detections, evidence from dependencies, and the
signals several rules read (environment variable references, "use client" modules)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..content import CODE_SUFFIXES, JS_SUFFIXES, signal
from ..context import USE_CLIENT_SIGNAL, ScanContext
from ..manifests import Dependency
from ..model import Detection, Evidence, Finding, Status
from ..registry import Outcome
from ..secrets import is_env_file, is_example_file
from ..snapshot import FileEntry

STRONG, MEDIUM, WEAK = 3, 2, 1


@dataclass(frozen=True, slots=True)
class Hint:
    weight: int
    evidence: Evidence


# Version constraints only ("^18.3.1", ">=4,<5", "~=3.2", "latest"): never a URL or a token.
_PLAIN_SPEC = re.compile(
    r"(?:[\^~<>=!v\s]*\d[\d.xX*]*(?:[-+][0-9A-Za-z.]{1,20})?[\s,|]*){1,4}|\*|latest|next"
)


def dep_hint(dep: Dependency | None, weight: int = STRONG, what: str = "") -> list[Hint]:
    if dep is None:
        return []
    # A git or URL spec can carry credentials (https://user:token@...): show versions only.
    spec = dep.spec if len(dep.spec) <= 40 and _PLAIN_SPEC.fullmatch(dep.spec) else ""
    detail = what or f"{dep.name} {spec}".strip() + f" in {dep.path.rsplit('/', 1)[-1]}"
    return [Hint(weight, Evidence(detail, dep.path, dep.line))]


def file_hint(entry: FileEntry | None, detail: str, weight: int = STRONG) -> list[Hint]:
    return [Hint(weight, Evidence(detail, entry.path))] if entry else []


def text_hint(
    ctx: ScanContext, entries: Iterable[FileEntry], regex: re.Pattern[str], detail: str, weight: int
) -> list[Hint]:
    """A hint for the first of `entries` whose text matches `regex`."""
    for entry in entries:
        text = ctx.read(entry.path)
        if text is None:
            continue
        m = regex.search(text)
        if m:
            return [Hint(weight, Evidence(detail, entry.path, text.count("\n", 0, m.start()) + 1))]
    return []


def clean_version(spec: str | None) -> str | None:
    if not spec:
        return None
    m = re.search(r"\d+(?:\.\d+){0,2}", spec)
    return m.group() if m else None


def detect(
    detector_id: str,
    name: str,
    hints: list[Hint],
    *,
    version: str | None = None,
    threshold: int = MEDIUM,
) -> Outcome:
    """A detector's outcome: found when the hints' weights reach `threshold`."""
    unique: dict[tuple[str | None, str], Hint] = {}
    for hint in hints:
        unique.setdefault((hint.evidence.path, hint.evidence.detail), hint)
    kept = sorted(unique.values(), key=lambda h: -h.weight)
    score = sum(h.weight for h in kept)
    evidence = [h.evidence for h in kept]
    if score < threshold:
        summary = f"No sign of {name}." if not kept else f"Weak hints of {name}, not enough."
        return Outcome(Status.NOT_APPLICABLE, summary, evidence=evidence)
    confidence = "high" if score >= STRONG + MEDIUM or kept[0].weight >= STRONG else "medium"
    return Outcome(
        Status.PASSED,
        f"{name} detected ({confidence} confidence).",
        evidence=evidence,
        detection=Detection(
            id=detector_id, name=name, confidence=confidence, score=score, version=version
        ),
    )


def root_readmes(ctx: ScanContext) -> list[FileEntry]:
    return [
        e
        for e in ctx.snapshot.files.values()
        if e.dir == "" and re.fullmatch(r"readme(?:\.(?:md|markdown|rst|txt|adoc))?", e.lname)
    ]


def index_htmls(ctx: ScanContext) -> list[FileEntry]:
    return [
        e
        for e in ctx.snapshot.named("index.html")
        if e.dir in {"", "public", "src", "app"} or e.dir.count("/") <= 1
    ][:10]


def missing(message: str) -> Finding:
    """A finding about something absent: it has no file or line."""
    return Finding(message=message)


# --- signals shared by several rules -----------------------------------------------------------

USE_CLIENT = signal(
    USE_CLIENT_SIGNAL,
    r"\A(?:\s|//[^\n]*\n|/\*.*?\*/)*[\"']use client[\"']",
    flags=re.DOTALL,
    keywords=("use client",),
    suffixes=JS_SUFFIXES,
    max_hits=100_000,
)

# Every form starts with the literal "env" (the look-behinds after it check what precedes), so
# the scan runs at the speed of a substring search.
ENV_REF = signal(
    "env-ref",
    r"env(?:"
    r"(?:(?<=process\.env)|(?<=import\.meta\.env))(?:\.|\[\s*[\"'`])"
    r"|(?<=Deno\.env)\.get\(\s*[\"']"
    r"|iron(?<=os\.environ)(?:\[\s*[\"']|\.get\(\s*[\"'])"
    r"|(?<=getenv)\(\s*[\"']"
    r"|(?<![\w.]env)(?:\.(?:str|int|bool|list|url|db|float|json))?\(\s*[\"']"
    r")(?P<value>[A-Z][A-Z0-9_]{1,80})\b",
    keywords=("env",),
    suffixes=CODE_SUFFIXES | {".html"},
    max_hits=2000,
    distinct=True,
)

ENV_DEF = signal(
    "env-def",
    r"(?m)^[ \t]*(?:export[ \t]+)?(?P<value>[A-Za-z_][A-Za-z0-9_]*)[ \t]*=",
    path_test=lambda entry: is_env_file(entry.lname),
    max_hits=2000,
    distinct=True,
)

# Variables a platform sets by itself: no example file needs to document them.
BUILTIN_ENV = frozenset(
    {
        "NODE_ENV", "MODE", "DEV", "PROD", "SSR", "BASE_URL", "PORT", "HOST", "HOSTNAME", "CI",
        "HOME", "PATH", "PWD", "TZ", "LANG", "USER", "SHELL", "TMPDIR", "TERM", "DEBUG",
        "NEXT_RUNTIME", "NEXT_PHASE", "VERCEL", "VERCEL_ENV", "VERCEL_URL", "NETLIFY", "RENDER",
        "DYNO", "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV", "GITHUB_ACTIONS",
        "DENO_DEPLOYMENT_ID", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY",
        "SUPABASE_DB_URL", "WEB_CONCURRENCY", "K_SERVICE", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME",
        "npm_package_version", "JEST_WORKER_ID", "VITEST", "PLAYWRIGHT",
    }
)  # fmt: skip
BUILTIN_ENV_PREFIXES = (
    "VERCEL_",
    "NETLIFY_",
    "RAILWAY_",
    "FLY_",
    "RENDER_",
    "GITHUB_",
    "npm_",
    "RUNNER_",
)


def is_builtin_env(name: str) -> bool:
    return name in BUILTIN_ENV or name.startswith(BUILTIN_ENV_PREFIXES)


def example_env_files(ctx: ScanContext) -> list[FileEntry]:
    return [
        e
        for e in ctx.snapshot.files.values()
        if is_example_file(e.lname) and ("env" in e.lname.split(".") or is_env_file(e.lname))
    ]


def committed_env_files(ctx: ScanContext) -> list[FileEntry]:
    """`.env`, `.env.local` and the like: files of real settings, not examples."""
    return [
        e
        for e in ctx.snapshot.files.values()
        if is_env_file(e.lname) and not is_example_file(e.lname)
    ]


def uses_supabase(ctx: ScanContext) -> bool:
    return bool(
        ctx.manifests.npm("@supabase/*")
        or ctx.manifests.pypi("supabase")
        or ctx.snapshot.is_dir("supabase")
    )
