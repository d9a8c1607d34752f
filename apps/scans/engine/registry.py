"""The rule registry: `@rule(...)` registers a check or detector with its metadata.

A rule function takes the scan context and returns an `Outcome`; the registry wraps it into a
`RuleResult` carrying the rule's id, title, category, severity and checklist keys, caps the
number of findings, and times it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .content import Signal
from .model import (
    CHECKLIST_KEYS,
    Detection,
    Evidence,
    Finding,
    RuleKind,
    RuleResult,
    Severity,
    Status,
)

if TYPE_CHECKING:
    from .context import ScanContext

# In report order: what the project is, then how it is built, shipped and secured.
CATEGORY_ORDER: tuple[str, ...] = (
    "platform",
    "stack",
    "testing",
    "ci",
    "deployment",
    "dependencies",
    "documentation",
    "secrets",
    "ai-faults",
    "production",
)
CATEGORIES: frozenset[str] = frozenset(CATEGORY_ORDER)
_RULE_ID = re.compile(r"^[a-z]+(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$")


@dataclass(slots=True)
class Outcome:
    status: Status
    summary: str = ""
    findings: list[Finding] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    detection: Detection | None = None


def passed(summary: str, evidence: Iterable[Evidence] = ()) -> Outcome:
    return Outcome(Status.PASSED, summary, evidence=list(evidence))


def failed(summary: str, findings: Iterable[Finding], evidence: Iterable[Evidence] = ()) -> Outcome:
    return Outcome(Status.FAILED, summary, findings=list(findings), evidence=list(evidence))


def not_applicable(summary: str) -> Outcome:
    return Outcome(Status.NOT_APPLICABLE, summary)


RuleFunc = Callable[["ScanContext"], Outcome]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    category: str
    severity: Severity
    checklist_keys: tuple[str, ...]
    kind: RuleKind
    func: RuleFunc
    signals: tuple[Signal, ...] = ()
    uses_secrets: bool = False
    description: str = ""
    only_disproves: bool = False
    advisory: bool = False

    def run(self, ctx: ScanContext) -> RuleResult:
        started = time.perf_counter()
        outcome = self.func(ctx)
        limit = ctx.limits.max_findings_per_rule
        findings = sorted(
            outcome.findings,
            key=lambda f: (-(f.severity or self.severity).rank, f.path or "", f.line or 0),
        )
        return self._result(
            outcome.status,
            outcome.summary,
            findings=findings[:limit],
            findings_omitted=max(len(findings) - limit, 0),
            evidence=outcome.evidence[:20],
            detection=outcome.detection,
            seconds=time.perf_counter() - started,
        )

    def crashed(self, error: str) -> RuleResult:
        """The result of a run that raised: not applicable, with the error for the report."""
        return self._result(
            Status.NOT_APPLICABLE, "The rule could not run on this repository.", error=error
        )

    def _result(self, status: Status, summary: str, **details: Any) -> RuleResult:
        return RuleResult(
            rule_id=self.id,
            title=self.title,
            category=self.category,
            severity=self.severity,
            kind=self.kind,
            checklist_keys=self.checklist_keys,
            only_disproves=self.only_disproves,
            status=status,
            summary=summary,
            **details,
        )


_RULES: dict[str, Rule] = {}


def rule(
    *,
    id: str,
    title: str,
    category: str,
    severity: Severity | str,
    checklist_keys: Iterable[str] = (),
    kind: RuleKind = RuleKind.CHECK,
    signals: Iterable[Signal] = (),
    uses_secrets: bool = False,
    only_disproves: bool = False,
    advisory: bool = False,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register the decorated function as a rule. Refuses duplicate ids, unknown categories
    and checklist keys that are not in the product's catalog. `only_disproves`: a failure
    opens a gap on its items, a pass proves nothing (a clean lookup today is not the habit
    the item asks for). `advisory`: a check with no checklist item, its findings left for a
    person to judge (local development passwords: worth seeing, not a gap)."""
    keys = tuple(checklist_keys)
    if not _RULE_ID.match(id):
        raise ValueError(f"Rule id {id!r} must look like 'category.some-name'.")
    if category not in CATEGORIES:
        raise ValueError(f"Rule {id}: unknown category {category!r}.")
    unknown = set(keys) - CHECKLIST_KEYS
    if unknown:
        raise ValueError(f"Rule {id}: unknown checklist keys {sorted(unknown)}.")
    if kind is RuleKind.CHECK and not keys and not advisory:
        raise ValueError(f"Rule {id}: a check must prove or disprove at least one checklist key.")

    def register(func: RuleFunc) -> RuleFunc:
        if id in _RULES:
            raise ValueError(f"Rule {id} is registered twice.")
        _RULES[id] = Rule(
            id=id,
            title=title,
            category=category,
            severity=Severity(severity),
            checklist_keys=keys,
            kind=kind,
            func=func,
            signals=tuple(signals),
            uses_secrets=uses_secrets,
            description=(func.__doc__ or "").strip(),
            only_disproves=only_disproves,
            advisory=advisory,
        )
        return func

    return register


def all_rules() -> list[Rule]:
    """Every registered rule: detectors first, then by category, in registration order."""
    from . import rules  # noqa: F401, PLC0415 - importing the package registers its rules, and it imports this module

    return sorted(
        _RULES.values(),
        key=lambda r: (r.kind is not RuleKind.DETECTOR, CATEGORY_ORDER.index(r.category)),
    )


def get_rule(rule_id: str) -> Rule:
    all_rules()
    return _RULES[rule_id]
