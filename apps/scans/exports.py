"""A scan's findings as files other tools read: SARIF 2.1.0 (GitHub code scanning, most
security tools) and CSV (a spreadsheet). Both carry what the findings list shows staff (the
snippet is redacted already, no secret is ever stored) plus the engagement's triage.

Only staff who can scan the engagement get these (apps.scans.access.get_scan_for_findings):
a client contact reads the summary only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpResponse

from apps.scans import selectors
from apps.scans.engine.model import ENGINE_VERSION
from apps.scans.engine.registry import get_rule
from apps.scans.models import FindingTriage, Scan, ScanFinding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "Launchpad repository scan"
SRCROOT = "%SRCROOT%"
FINGERPRINT_NAME = "launchpadFindingKey/v1"

# SARIF has three levels for a problem; our five severities fold onto them.
SARIF_LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
# GitHub code scanning sorts security alerts by this CVSS-like score (a string).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


def _triage(finding: ScanFinding) -> FindingTriage | None:
    triage: FindingTriage | None = getattr(finding, "triage", None)
    return triage


def _rule_description(rule_id: str, title: str) -> str:
    try:
        return get_rule(rule_id).description or title
    except KeyError:  # a rule retired since the scan ran
        return title


def sarif_log(scan: Scan, findings: Iterable[ScanFinding]) -> dict[str, Any]:
    """The SARIF log of one scan: one run, its rules and one result per finding. `findings`
    come with `.triage` (selectors.with_triage); a triaged one carries an external,
    accepted suppression whose justification is the person's reason."""
    findings = list(findings)
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results = []
    for finding in findings:
        if finding.rule_id not in rule_index:
            rule_index[finding.rule_id] = len(rules)
            rules.append(_sarif_rule(finding))
        results.append(_sarif_result(finding, rule_index[finding.rule_id]))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": str((scan.report or {}).get("engine_version") or ENGINE_VERSION),
                "rules": rules,
            }
        },
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root of the repository's checkout."}}
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"scanId": str(scan.pk)},
    }
    if scan.repository_url:
        provenance: dict[str, Any] = {
            "repositoryUri": scan.repository_url,
            "mappedTo": {"uriBaseId": SRCROOT},
        }
        if scan.commit_sha:
            provenance["revisionId"] = scan.commit_sha
        run["versionControlProvenance"] = [provenance]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _sarif_rule(finding: ScanFinding) -> dict[str, Any]:
    description = _rule_description(finding.rule_id, finding.rule_title)
    return {
        "id": finding.rule_id,
        "name": finding.rule_title,
        "shortDescription": {"text": finding.rule_title},
        "fullDescription": {"text": description},
        "help": {"text": description},
        # A rule's findings may differ in severity; the first one read stands for the rule,
        # and each result says its own level.
        "defaultConfiguration": {"level": SARIF_LEVELS.get(finding.severity, "warning")},
        "properties": {
            "tags": ["security", finding.category],
            "security-severity": SECURITY_SEVERITY.get(finding.severity, "5.5"),
        },
    }


def _sarif_result(finding: ScanFinding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": SARIF_LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "partialFingerprints": {FINGERPRINT_NAME: finding.key},
        "properties": {"severity": finding.severity, "category": finding.category},
    }
    if finding.reason:
        result["properties"]["reason"] = finding.reason
    if finding.snippet:
        result["properties"]["snippet"] = finding.snippet
    if finding.path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": finding.path, "uriBaseId": SRCROOT}}
        if finding.line:
            physical["region"] = {"startLine": finding.line}
        result["locations"] = [{"physicalLocation": physical}]
    # A finding about the repository as a whole (no tests, no CI) has no place: SARIF
    # allows a result without locations, and we do not invent one.
    triage = _triage(finding)
    if triage is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": triage.reason}
        ]
        result["properties"]["triage"] = triage.state
    return result


CSV_COLUMNS = [
    "severity",
    "rule",
    "category",
    "path",
    "line",
    "message",
    "reason",
    "snippet",
    "key",
    "triage_state",
    "triage_reason",
]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): the
# repository's text (a path, a message, a snippet) must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def findings_csv(findings: Iterable[ScanFinding]) -> str:
    """One row per finding, with a header row. `findings` come with `.triage`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for finding in findings:
        triage = _triage(finding)
        writer.writerow(
            csv_cell(value)
            for value in (
                finding.severity,
                finding.rule_id,
                finding.category,
                finding.path,
                finding.line,
                finding.message,
                finding.reason,
                finding.snippet,
                finding.key,
                triage.state if triage else "",
                triage.reason if triage else "",
            )
        )
    return out.getvalue()


def export_filename(scan: Scan, extension: str) -> str:
    """scan-<commit>-<id>.sarif: a name that says which code it is about."""
    sha = scan.commit_sha[:8] or "nocommit"
    return f"scan-{sha}-{str(scan.pk)[:8]}.{extension}"


def export_response(scan: Scan, export_format: str) -> HttpResponse:
    """The download of a succeeded scan's findings (the web page's and the API's)."""
    findings = selectors.with_triage(list(selectors.finding_list(scan=scan)), project=scan.project)
    if export_format == "sarif":
        body = json.dumps(sarif_log(scan, findings), indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/sarif+json; charset=utf-8")
    elif export_format == "csv":
        response = HttpResponse(findings_csv(findings), content_type="text/csv; charset=utf-8")
    else:
        raise Http404("Export as sarif or csv.")
    name = export_filename(scan, export_format)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
