"""Documentation a new team needs on day one: a README that is more than the generator's
template, a licence, a security policy, and an example environment file that lists every
variable the code reads."""

from __future__ import annotations

import re

from ..content import SignalHit
from ..context import ScanContext
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..secrets import is_test_path
from .helpers import (
    ENV_REF,
    committed_env_files,
    example_env_files,
    is_builtin_env,
    missing,
    root_readmes,
)

_MARKDOWN_NOISE = re.compile(
    # Headings, badges (linked or not) and HTML tags: none of it tells a reader anything.
    r"(?m)^[ \t]*#+.*$|\[?!\[[^\]\n]*\]\([^)\n]*\)(?:\]\([^)\n]*\))?|<[^>\n]+>"
)
MIN_README_CHARS = 150

# Opening lines of the READMEs that generators write; a README still made of one is a stub.
_TEMPLATES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Lovable", re.compile(r"Welcome to your Lovable project|lovable\.dev/projects/", re.I)),
    ("v0", re.compile(r"synced with your \[v0|in sync with your deployed chats", re.I)),
    ("Bolt", re.compile(r"Generated (?:by|with) \[?Bolt|bolt\.new template", re.I)),
    ("create-next-app", re.compile(r"bootstrapped with \[`create-next-app`\]", re.I)),
    ("Create React App", re.compile(r"bootstrapped with \[Create React App\]", re.I)),
    ("Vite", re.compile(r"This template provides a minimal setup to get React working in Vite")),
    ("Vite (Vue)", re.compile(r"This template should help get you started developing with Vue 3")),
    ("SvelteKit", re.compile(r"Everything you need to build a Svelte project", re.I)),
    ("Replit", re.compile(r"^# .*\n+Created (?:on|with) Replit", re.I | re.M)),
)  # fmt: skip
MAX_TEMPLATE_README_CHARS = 5000


@rule(
    id="documentation.readme",
    title="A README explains the project",
    category="documentation",
    severity="low",
    checklist_keys=("documentation.readme",),
)
def readme(ctx: ScanContext) -> Outcome:
    """A README at the root with some prose (more than a title and badges)."""
    readmes = root_readmes(ctx)
    if not readmes:
        return failed("No README.", [missing("No README at the repository root.")])
    entry = readmes[0]
    text = ctx.read(entry.path) or ""
    prose = _MARKDOWN_NOISE.sub("", text).strip()
    if len(prose) < MIN_README_CHARS:
        return failed(
            "The README is nearly empty.", [Finding("README has almost no content.", entry.path, 1)]
        )
    return passed("README present.", [Evidence("README", entry.path)])


@rule(
    id="documentation.readme-not-template",
    title="The README is not the generator's template",
    category="documentation",
    severity="low",
    checklist_keys=("documentation.readme",),
)
def readme_not_template(ctx: ScanContext) -> Outcome:
    """The README is not still the template Lovable, v0, create-next-app or Vite wrote: those
    describe the tool, not how to run, configure or deploy this app."""
    readmes = root_readmes(ctx)
    if not readmes:
        return not_applicable("No README.")
    entry = readmes[0]
    text = ctx.read(entry.path) or ""
    if len(text) <= MAX_TEMPLATE_README_CHARS:
        for tool, pattern in _TEMPLATES:
            m = pattern.search(text)
            if m:
                line = text.count("\n", 0, m.start()) + 1
                return failed(
                    f"The README is the {tool} template.",
                    [Finding(f"README is still the unedited {tool} template.", entry.path, line)],
                )
    return passed("The README is the project's own.", [Evidence("README", entry.path)])


_LICENSE = re.compile(r"(?:licen[sc]e|copying|unlicense)(?:[.\-_].*)?", re.IGNORECASE)


@rule(
    id="documentation.license",
    title="The licence is stated",
    category="documentation",
    severity="low",
    checklist_keys=("documentation.license",),
)
def license_stated(ctx: ScanContext) -> Outcome:
    """A LICENSE (or LICENCE, COPYING) file at the root, or a `license` field in package.json
    or pyproject.toml: who may use the code is part of a handover."""
    for entry in ctx.snapshot.files.values():
        if entry.dir == "" and _LICENSE.fullmatch(entry.lname):
            return passed("Licence file present.", [Evidence("licence", entry.path)])
    for pkg in ctx.manifests.package_jsons:
        if pkg.dir == "" and isinstance(pkg.data.get("license"), str | dict):
            return passed(
                "Licence declared in package.json.", [Evidence("license field", pkg.path)]
            )
    for manifest in ctx.manifests.python:
        project = manifest.data.get("project")
        if manifest.dir == "" and isinstance(project, dict) and project.get("license"):
            return passed(
                "Licence declared in pyproject.toml.", [Evidence("license", manifest.path)]
            )
    return failed("No licence.", [missing("No LICENSE file or license field.")])


_SECURITY_POLICY_PATHS = (
    "SECURITY.md",
    "security.md",
    ".github/SECURITY.md",
    "docs/SECURITY.md",
    "SECURITY.txt",
    ".well-known/security.txt",
    "public/.well-known/security.txt",
    "static/.well-known/security.txt",
)


@rule(
    id="documentation.security-policy",
    title="A security policy says how to report vulnerabilities",
    category="documentation",
    severity="low",
    checklist_keys=("security.disclosure-policy",),
)
def security_policy(ctx: ScanContext) -> Outcome:
    """SECURITY.md (root, .github/ or docs/) or a published /.well-known/security.txt."""
    snap = ctx.snapshot
    for path in _SECURITY_POLICY_PATHS:
        if snap.file(path):
            return passed("Security policy present.", [Evidence("security policy", path)])
    return failed(
        "No security policy.",
        [
            missing(
                "No SECURITY.md or .well-known/security.txt telling people how to report issues."
            )
        ],
    )


def _app_env_refs(ctx: ScanContext) -> list[SignalHit]:
    return [
        hit
        for hit in ctx.signal(ENV_REF.name)
        if hit.value
        and not is_builtin_env(hit.value)
        # Supabase injects its own variables into edge functions.
        and not (hit.path.startswith("supabase/functions/") and hit.value.startswith("SUPABASE_"))
    ]


@rule(
    id="documentation.env-example",
    title="An example environment file documents configuration",
    category="documentation",
    severity="medium",
    checklist_keys=("documentation.env-example",),
    signals=(ENV_REF,),
)
def env_example(ctx: ScanContext) -> Outcome:
    """When the code reads environment variables (process.env, import.meta.env, os.environ,
    Deno.env...), a `.env.example` (or .env.sample, .env.template) lists them."""
    examples = example_env_files(ctx)
    if examples:
        return passed(
            "Example environment file present.", [Evidence("example", e.path) for e in examples]
        )
    refs = _app_env_refs(ctx)
    committed = committed_env_files(ctx)
    if not refs and not committed:
        return not_applicable("The code reads no environment variables.")
    if refs:
        where = refs[0]
        # The message names no count: it is part of the finding's identity across rescans.
        message = f"The code reads {where.value} from the environment; no .env.example lists it."
        return failed(
            f"No example environment file for {len(refs)} variable(s).",
            [Finding(message, where.path, where.line)],
        )
    return failed(
        "No example environment file.",
        [Finding("A .env file is committed but no .env.example documents it.", committed[0].path)],
    )


# What follows a variable's name when the code supplies a fallback: `process.env.X || "a"`,
# `process.env.X ?? 1`, `os.environ.get("X", "a")`, `env("X", default=1)`, `getenv("X") or "a"`.
_DEFAULT_AFTER_NAME = re.compile(r"""["'`]?\]?\s*(?:\|\||\?\?|,|\)\s*(?:\|\||\?\?|or\b))""")


def _has_default(text: str, name: str) -> bool:
    return any(
        _DEFAULT_AFTER_NAME.match(text, m.end()) for m in re.finditer(re.escape(name) + r"\b", text)
    )


_EXAMPLE_NAME = re.compile(r"(?m)^[ \t]*(?:export[ \t]+)?#?[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=")


@rule(
    id="documentation.env-example-complete",
    title="The example environment file lists every variable the code reads",
    category="documentation",
    severity="low",
    checklist_keys=("documentation.env-example",),
    signals=(ENV_REF,),
)
def env_example_complete(ctx: ScanContext) -> Outcome:
    """Every variable the code requires (read without a fallback value, outside tests)
    appears in an example env file, commented-out entries included: a variable missing there
    is one a new developer or a deploy will not know to set."""
    examples = example_env_files(ctx)
    if not examples:
        return not_applicable("No example environment file (see documentation.env-example).")
    documented: set[str] = set()
    for entry in examples:
        documented |= set(_EXAMPLE_NAME.findall(ctx.read(entry.path) or ""))
    refs = _app_env_refs(ctx)
    if not refs:
        return not_applicable("The code reads no environment variables.")
    undocumented = [
        hit
        for hit in refs
        if hit.value not in documented
        and not is_test_path(hit.path)
        and not _has_default(ctx.line_text(hit.path, hit.line), hit.value or "")
    ]
    if not undocumented:
        return passed(
            f"All {len(refs)} variables read in code are documented.",
            [Evidence("example", e.path) for e in examples],
        )
    return failed(
        f"{len(undocumented)} variable(s) read in code are missing from the example file.",
        [
            Finding(
                f"{hit.value} is read here but not listed in {examples[0].name}.",
                hit.path,
                hit.line,
                Severity.LOW,
            )
            for hit in undocumented
        ],
    )
