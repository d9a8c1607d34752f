"""Reading a finished scan: its stored report (platform, stack, rule counts, checklist verdicts)
and its findings, into the counts and shapes that the scan pages and the API both show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apps.scans.engine.model import SKIP_REASONS
from apps.scans.engine.registry import CATEGORY_ORDER
from apps.scans.models import Scan
from apps.scans.selectors import SEVERITY_ORDER, ScanDiff, false_positive_keys, finding_list

CATEGORY_LABELS = {
    "platform": "Platform",
    "stack": "Stack",
    "testing": "Testing",
    "ci": "Continuous integration",
    "deployment": "Deployment",
    "dependencies": "Dependencies",
    "documentation": "Documentation",
    "secrets": "Secrets",
    "ai-faults": "AI-generated code faults",
    "production": "Production readiness",
}


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category.title())


def report_platform(scan: Scan) -> dict[str, Any] | None:
    platform: dict[str, Any] | None = (scan.report or {}).get("platform")
    return platform


def report_stack(scan: Scan) -> list[dict[str, Any]]:
    return list((scan.report or {}).get("stack") or [])


def report_files_scanned(scan: Scan) -> int | None:
    files: int | None = ((scan.report or {}).get("stats") or {}).get("files_scanned")
    return files


SKIP_LABELS = {
    "too_deep": "nested too deep",
    "too_large": "too large",
    "binary": "binary",
    "unreadable_name": "name not readable",
}


def report_skipped(scan: Scan, *, full: bool) -> dict[str, Any] | None:
    """What the scan did not read: counts by reason for everyone; the paths (the secret-shaped
    files among them first) only when `full`, like the findings. None for a report written
    before the engine listed them."""
    skipped = (scan.report or {}).get("skipped")
    if skipped is None:
        return None
    counts = {reason: skipped["counts"].get(reason, 0) for reason in SKIP_REASONS}
    data: dict[str, Any] = {"counts": counts, "total": sum(counts.values())}
    if full:
        items = sorted(skipped["items"], key=lambda item: not item["secret_shaped"])
        data["items"] = [{**item, "label": SKIP_LABELS.get(item["reason"], "")} for item in items]
    return data


def report_rule_errors(scan: Scan) -> list[str]:
    """The rules that crashed on this repository, each with its error: the scan went on."""
    return [
        issue["message"]
        for issue in (scan.report or {}).get("errors") or []
        if issue.get("code") == "rule-error"
    ]


def report_rule_titles(scan: Scan) -> dict[str, str]:
    """rule id -> its title, for every rule the scan ran."""
    return {r["rule_id"]: r["title"] for r in (scan.report or {}).get("results", [])}


def finding_total(scan: Scan) -> int | None:
    """How many findings a succeeded scan stored, from the counts in its report's summary
    (ScanQuerySet.with_findings_by_severity: no query, and not the whole report)."""
    # An annotation (with_findings_by_severity) that the model's type does not declare.
    by_severity: dict[str, int] | None = scan.findings_by_severity  # type: ignore[attr-defined]
    return sum(by_severity.values()) if by_severity is not None else None


def report_rules(scan: Scan) -> dict[str, int]:
    rules = ((scan.report or {}).get("summary") or {}).get("rules") or {}
    return {k: rules.get(k, 0) for k in ("passed", "failed", "not_applicable")}


def checklist_verdicts(scan: Scan, *, cleared: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The checklist keys the scan has a verdict on, by key, after triage (`cleared`: the
    rules whose every finding is a false positive; scan_cleared_rules)."""
    verdicts = triaged_verdicts((scan.report or {}).get("checklist") or {}, cleared=cleared)
    return [
        {
            "key": key,
            "status": verdict.get("status", "unknown"),
            "passed_rules": list(verdict.get("passed") or []),
            "failed_rules": list(verdict.get("failed") or []),
            "false_positive_rules": list(verdict.get("false_positive") or []),
        }
        for key, verdict in sorted(verdicts.items())
    ]


# --- Triage and the verdicts ------------------------------------------------------------------
# A false positive is not a finding: it is left out of the counts, and a rule whose every
# finding is a false positive counts as passed (it ran and found nothing a person believes),
# so it opens no gap. A rule that listed more findings than it stored (findings_omitted) is
# never cleared: nobody has seen the rest. An accepted risk stays a finding, counted and
# failing its rule, only marked: the agency knows, the checklist still says so.


def cleared_rules(
    findings: Iterable[tuple[str, str]],
    *,
    false_positive: Iterable[str],
    omitted: dict[str, int],
) -> set[str]:
    """The rules of (rule_id, key) findings whose every finding's key is a false positive."""
    fp = set(false_positive)
    keys_by_rule: dict[str, set[str]] = {}
    for rule_id, key in findings:
        keys_by_rule.setdefault(rule_id, set()).add(key)
    return {
        rule_id
        for rule_id, keys in keys_by_rule.items()
        if keys <= fp and not omitted.get(rule_id, 0)
    }


def triaged_verdicts(
    verdicts: dict[str, dict[str, Any]], *, cleared: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The engine's checklist verdicts (ScanReport.checklist) with the cleared rules moved
    from failed to passed (named in "false_positive") and the status worked out again. The
    stored report keeps what the engine said."""
    cleared = set(cleared)
    result: dict[str, dict[str, Any]] = {}
    for key, verdict in verdicts.items():
        failed = list(verdict.get("failed") or [])
        moved = [r for r in failed if r in cleared]
        if not moved:
            result[key] = {**verdict, "false_positive": []}
            continue
        entry = {
            **verdict,
            "failed": [r for r in failed if r not in cleared],
            "passed": [*(verdict.get("passed") or []), *moved],
            "false_positive": moved,
        }
        entry["status"] = "gap" if entry["failed"] else "verified"
        result[key] = entry
    return result


def report_omitted(scan: Scan) -> dict[str, int]:
    """rule id -> findings it left out past the per-rule cap."""
    return {
        r["rule_id"]: int(r.get("findings_omitted") or 0)
        for r in (scan.report or {}).get("results", [])
    }


def scan_cleared_rules(scan: Scan) -> set[str]:
    """The rules of this scan that triage cleared (every finding a false positive)."""
    fp = set(false_positive_keys(project=scan.project).values_list("key", flat=True))
    if not fp:
        return set()
    pairs = finding_list(scan=scan).values_list("rule_id", "key")
    return cleared_rules(pairs, false_positive=fp, omitted=report_omitted(scan))


def severity_counts(severities: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for severity in severities:
        counts[severity] = counts.get(severity, 0) + 1
    return counts


def finding_counts(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """(category, severity) pairs -> the counts a summary shows: overall, by severity and by
    category (in the engine's category order)."""
    pairs = list(pairs)
    by_category: dict[str, list[str]] = {}
    for category, severity in pairs:
        by_category.setdefault(category, []).append(severity)
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return {
        "findings": len(pairs),
        "by_severity": severity_counts(s for _, s in pairs),
        "by_category": [
            {
                "category": category,
                "label": category_label(category),
                "total": len(severities),
                "by_severity": severity_counts(severities),
            }
            for category, severities in sorted(
                by_category.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
            )
        ],
    }


def diff_data(diff: ScanDiff, *, scan: Scan, full: bool) -> dict[str, Any]:
    """The comparison with the previous scan as the API gives it: counts for everyone, the
    findings themselves only when `full` (staff who can scan the engagement)."""
    data: dict[str, Any] = {
        "scan": scan.pk,
        "previous": diff.previous,
        "counts": {
            "new": len(diff.new),
            "fixed": len(diff.fixed),
            "unchanged": diff.unchanged,
            "still_open": len(diff.still_open),
            "triaged": len(diff.triaged),
        },
        "new_by_severity": severity_counts(f.severity for f in diff.new),
        "fixed_by_severity": severity_counts(f.severity for f in diff.fixed),
    }
    if full:
        data["new"] = diff.new
        data["fixed"] = diff.fixed
        data["still_open"] = diff.still_open
        data["triaged"] = diff.triaged
    return data
