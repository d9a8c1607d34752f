"""Launchpad's repository scan engine: plain Python (no Django) over a checked-out tree.

`scan_directory(path)` detects the source platform and stack, and runs the production-readiness
rules (tests, CI, containers, dependencies, documentation, committed secrets, the faults typical
of AI-built apps); each rule proves or disproves checklist items and reports file and line.
"""

from .model import (
    CHECKLIST_KEYS,
    Detection,
    Evidence,
    Finding,
    RuleKind,
    RuleResult,
    ScanIssue,
    ScanReport,
    ScanStats,
    Severity,
    Status,
)
from .registry import Rule, all_rules, get_rule
from .runner import scan_directory
from .snapshot import RepositoryTooLarge, ScanLimits

__all__ = [
    "CHECKLIST_KEYS",
    "Detection",
    "Evidence",
    "Finding",
    "RepositoryTooLarge",
    "Rule",
    "RuleKind",
    "RuleResult",
    "ScanIssue",
    "ScanLimits",
    "ScanReport",
    "ScanStats",
    "Severity",
    "Status",
    "all_rules",
    "get_rule",
    "scan_directory",
]
