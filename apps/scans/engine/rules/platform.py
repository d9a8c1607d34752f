"""Detectors for the AI tool a prototype came from, from the traces each tool leaves:
Lovable's `lovable-tagger` and lovable.dev links, v0's `generator: 'v0.app'` metadata, Replit's
`.replit`, Bolt's `.bolt/` folder and Cursor's `.cursorrules` / `.cursor/`."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..context import ScanContext
from ..model import Evidence, RuleKind
from ..registry import Outcome, RuleFunc, rule
from ..snapshot import FileEntry
from .helpers import (
    MEDIUM,
    STRONG,
    WEAK,
    Hint,
    dep_hint,
    detect,
    file_hint,
    index_htmls,
    root_readmes,
    text_hint,
)

_LOVABLE_TAGGER = re.compile(r"lovable-tagger|componentTagger\(")
_GPT_ENGINEER = re.compile(r"cdn\.gpteng\.co|gptengineer\.js")
_LOVABLE_LINK = re.compile(r"lovable\.dev|lovable\.app|content=[\"']Lovable[\"']", re.IGNORECASE)
_V0_GENERATOR = re.compile(r"generator\s*:\s*[\"'`]v0\.(?:dev|app)[\"'`]")
_V0_MENTION = re.compile(r"\bv0\.(?:dev|app)\b", re.IGNORECASE)
_V0_PACKAGE_NAME = re.compile(r"\"name\"\s*:\s*\"my-v0-project\"")
_BOLT_MENTION = re.compile(r"\bbolt\.new\b", re.IGNORECASE)
_REPLIT_MENTION = re.compile(r"\breplit\.(?:com|app|dev)\b", re.IGNORECASE)


def _vite_configs(ctx: ScanContext) -> list[FileEntry]:
    return [e for e in ctx.snapshot.files.values() if e.lname.startswith("vite.config.")][:5]


def _detector(*, id: str, title: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register a platform detector: it reports what built the project, never a problem."""
    return rule(id=id, title=title, category="platform", severity="info", kind=RuleKind.DETECTOR)


@_detector(id="platform.lovable", title="Built with Lovable")
def lovable(ctx: ScanContext) -> Outcome:
    """Lovable projects list `lovable-tagger` as a dev dependency and wire its componentTagger
    into vite.config; older ones load gptengineer.js, and index.html links lovable.dev."""
    hints = dep_hint(ctx.manifests.npm("lovable-tagger"), STRONG)
    hints += text_hint(
        ctx, _vite_configs(ctx), _LOVABLE_TAGGER, "lovable-tagger in vite config", STRONG
    )
    htmls = index_htmls(ctx)
    hints += text_hint(ctx, htmls, _GPT_ENGINEER, "gptengineer.js script (Lovable)", STRONG)
    hints += text_hint(ctx, htmls, _LOVABLE_LINK, "lovable.dev in index.html", MEDIUM)
    hints += text_hint(ctx, root_readmes(ctx), _LOVABLE_LINK, "lovable.dev in README", MEDIUM)
    return detect("lovable", "Lovable", hints)


@_detector(id="platform.v0", title="Built with v0")
def v0(ctx: ScanContext) -> Outcome:
    """v0 sets `generator: 'v0.app'` (formerly v0.dev) in the root layout's metadata, names the
    package `my-v0-project` and writes a README linking v0; components.json (shadcn/ui) alone
    is only a weak hint, since many tools use shadcn."""
    snap = ctx.snapshot
    layouts = [
        e for e in snap.files.values() if re.fullmatch(r"(?:src/)?app/layout\.[jt]sx?", e.path)
    ]
    hints = text_hint(ctx, layouts, _V0_GENERATOR, "generator: v0 in app/layout", STRONG)
    hints += text_hint(ctx, root_readmes(ctx), _V0_MENTION, "v0.dev / v0.app in README", STRONG)
    hints += text_hint(
        ctx, snap.named("package.json")[:5], _V0_PACKAGE_NAME, "package named my-v0-project", STRONG
    )
    hints += file_hint(snap.root_file("components.json"), "components.json (shadcn/ui)", WEAK)
    return detect("v0", "v0", hints)


@_detector(id="platform.replit", title="Built with Replit")
def replit(ctx: ScanContext) -> Outcome:
    """Replit workspaces carry `.replit` and `replit.nix`; its agent adds `replit.md` and the
    `@replit/vite-plugin-*` dev dependencies."""
    snap = ctx.snapshot
    hints = file_hint(snap.root_file(".replit"), ".replit workspace file", STRONG)
    hints += file_hint(snap.root_file("replit.nix"), "replit.nix", STRONG)
    hints += file_hint(snap.root_file("replit.md"), "replit.md agent notes", MEDIUM)
    hints += dep_hint(ctx.manifests.npm("@replit/*"), STRONG)
    hints += text_hint(ctx, root_readmes(ctx), _REPLIT_MENTION, "replit.com in README", WEAK)
    return detect("replit", "Replit", hints)


@_detector(id="platform.bolt", title="Built with Bolt")
def bolt(ctx: ScanContext) -> Outcome:
    """Bolt (bolt.new) exports a `.bolt/` folder (config.json, prompt); READMEs often link
    bolt.new."""
    snap = ctx.snapshot
    hints: list[Hint] = []
    if snap.is_dir(".bolt"):
        bolt_files = snap.under(".bolt")
        hints.append(
            Hint(STRONG, Evidence(".bolt/ folder", bolt_files[0].path if bolt_files else ".bolt"))
        )
    hints += text_hint(ctx, root_readmes(ctx), _BOLT_MENTION, "bolt.new in README", MEDIUM)
    hints += text_hint(ctx, index_htmls(ctx), _BOLT_MENTION, "bolt.new in index.html", MEDIUM)
    return detect("bolt", "Bolt", hints)


@_detector(id="platform.cursor", title="Edited with Cursor")
def cursor(ctx: ScanContext) -> Outcome:
    """Cursor reads project rules from `.cursorrules` or `.cursor/rules/*.mdc` and honours
    `.cursorignore`."""
    snap = ctx.snapshot
    hints = file_hint(snap.root_file(".cursorrules"), ".cursorrules", STRONG)
    hints += file_hint(snap.root_file(".cursorignore"), ".cursorignore", STRONG)
    hints += file_hint(snap.root_file(".cursorindexingignore"), ".cursorindexingignore", STRONG)
    if snap.is_dir(".cursor"):
        inside = snap.under(".cursor")
        hints.append(
            Hint(STRONG, Evidence(".cursor/ folder", inside[0].path if inside else ".cursor"))
        )
    return detect("cursor", "Cursor", hints)
