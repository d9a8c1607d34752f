"""`scan_directory`: walk, one streaming content pass, then every rule; returns a ScanReport."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from .content import ContentPass
from .context import ScanContext
from .history import HISTORY_RULE, HistoryLimits, scan_history
from .model import RuleKind, RuleResult, ScanIssue, ScanReport
from .registry import Rule, all_rules
from .secrets import SecretDetector
from .snapshot import ScanLimits, Snapshot
from .vulns import VulnerabilitySource

# Editors that sit beside a generator: when Lovable and Cursor both left traces, the project
# came from Lovable and was edited in Cursor.
_EDITOR_PLATFORMS = frozenset({"cursor"})


def scan_directory(
    path: str | os.PathLike[str],
    *,
    limits: ScanLimits | None = None,
    rules: Iterable[str] | None = None,
    history: HistoryLimits | None = None,
    vulnerabilities: VulnerabilitySource | None = None,
) -> ScanReport:
    """Scan a checked-out repository at `path`.

    Bad input (an empty tree, binary files, links out of the tree, unreadable files, a rule
    that crashes) is reported in `report.errors` / `report.warnings`, never raised. The one
    exception is `RepositoryTooLarge`, raised when the tree passes a hard limit in `limits`.
    `rules` restricts the run to those rule ids (tests use it to look at one rule at a time).
    `history`, when given, also reads the clone's git history for secrets removed from the
    tree (engine/history.py); the tree rules see the checkout only, either way.
    `vulnerabilities` is asked about the locked package versions (engine/vulns.py); without
    it the known-vulnerabilities rule reports "not checked".
    """
    started = time.perf_counter()
    root = os.fspath(path)
    report = ScanReport(root=root)
    selected = _select(rules)
    if not Path(root).is_dir():
        report.errors.append(
            ScanIssue(code="not-a-directory", message="The path to scan is not a directory.")
        )
        return report

    snapshot = Snapshot.build(root, limits)
    walked = time.perf_counter()

    needs_secrets = any(rule.uses_secrets for rule in selected)
    content = ContentPass(
        signals=[sig for rule in selected for sig in rule.signals],
        detector=SecretDetector() if needs_secrets else None,
    )
    for entry, text in snapshot.iter_text_files():
        content.feed(entry, text)
    scanned = time.perf_counter()

    ctx = ScanContext(
        snapshot=snapshot,
        hits=content.hits,
        secrets=content.secrets,
        vulnerabilities=vulnerabilities,
    )
    if history is not None and any(rule.id == HISTORY_RULE for rule in selected):
        ctx.history = scan_history(root, limits=history)
        report.warnings.extend(ctx.history.issues())
    history_read = time.perf_counter()
    for rule in selected:
        result = _run(rule, ctx, report)
        if rule.kind is RuleKind.DETECTOR:
            report.detections.append(result)
        else:
            report.results.append(result)
    finished = time.perf_counter()

    _summarise_detections(report)
    report.stats = snapshot.stats
    report.warnings.extend(snapshot.warnings)
    report.skipped = snapshot.skipped
    if content.secrets_omitted:
        report.warnings.append(
            ScanIssue(
                code="too-many-secrets",
                message=f"{content.secrets_omitted} further secret matches were not recorded.",
            )
        )
    if "manifests" in ctx.__dict__:
        for manifest_path, message in ctx.manifests.problems:
            report.warnings.append(ScanIssue("bad-manifest", message, manifest_path))
    report.timings = {
        "walk_seconds": walked - started,
        "content_seconds": scanned - walked,
        "history_seconds": history_read - scanned,
        "rules_seconds": finished - history_read,
        "total_seconds": time.perf_counter() - started,
    }
    return report


def _select(rule_ids: Iterable[str] | None) -> list[Rule]:
    available = all_rules()
    if rule_ids is None:
        return available
    wanted = set(rule_ids)
    unknown = wanted - {r.id for r in available}
    if unknown:
        raise ValueError(f"Unknown rule ids: {sorted(unknown)}")
    return [r for r in available if r.id in wanted]


def _run(rule: Rule, ctx: ScanContext, report: ScanReport) -> RuleResult:
    try:
        return rule.run(ctx)
    except Exception as exc:
        message = f"{type(exc).__name__}: {str(exc)[:200]}"
        report.errors.append(ScanIssue(code="rule-error", message=f"{rule.id}: {message}"))
        return rule.crashed(message)


def _summarise_detections(report: ScanReport) -> None:
    order = {result.rule_id: i for i, result in enumerate(report.detections)}
    platforms = [
        (r.rule_id, r.detection)
        for r in report.detections
        if r.category == "platform" and r.detection is not None
    ]
    platforms.sort(key=lambda p: (p[1].id in _EDITOR_PLATFORMS, -p[1].score, order[p[0]]))
    report.platforms = [d for _, d in platforms]
    report.platform = report.platforms[0] if report.platforms else None
    report.stack = [
        r.detection for r in report.detections if r.category == "stack" and r.detection is not None
    ]
