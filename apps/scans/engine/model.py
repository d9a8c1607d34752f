"""The engine's result types: findings, rule results, detections and the scan report.

Everything here is plain data that `to_dict()` turns into JSON-ready structures; nothing in a
result ever holds a raw secret (secret findings carry a redacted snippet and a fingerprint).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ENGINE_VERSION = "1.0"

# The checklist catalog's keys that scan rules may prove or disprove. A rule naming any other
# key is refused at registration, so a typo cannot silently open or close the wrong item.
CHECKLIST_KEYS: frozenset[str] = frozenset(
    {
        "testing.unit-tests",
        "testing.test-command",
        "testing.ci-runs-tests",
        "deployment.ci-pipeline",
        "deployment.containerised",
        "deployment.container-non-root",
        "deployment.pinned-base-image",
        "deployment.health-check",
        "maintenance.dependency-lockfile",
        "maintenance.pinned-dependencies",
        "maintenance.automated-dependency-updates",
        "documentation.readme",
        "documentation.env-example",
        "documentation.license",
        "security.disclosure-policy",
        "security.no-committed-secrets",
        "security.no-committed-env-files",
        "security.no-secrets-in-client-code",
        "security.database-row-level-security",
        "security.jwt-verification",
        "security.dependency-scanning",
        "security.firebase-rules",
        "security.rate-limiting",
        "security.security-headers",
        "security.input-validation",
        "observability.error-tracking",
        "observability.structured-logging",
        "database.schema-migrations",
        "caching.application-cache",
    }
)


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


class RuleKind(StrEnum):
    CHECK = "check"
    DETECTOR = "detector"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. `snippet` is already redacted; the secret itself is never kept."""

    message: str
    path: str | None = None
    line: int | None = None
    severity: Severity | None = None  # None: the rule's own severity
    snippet: str | None = None
    fingerprint: str | None = None  # "sha256:<hex>" of a secret's value
    # Why the finding is believed, in words a person checks: which pattern matched, which
    # trigger, which import or call ("AWS access key pattern AKIA + 16", "imported in
    # src/main.tsx:3 but never called"). Never the secret itself.
    reason: str | None = None

    def key(self, rule_id: str) -> str:
        """A stable identity for diffing rescans: moving a line does not make a finding new."""
        basis = "\x1f".join([rule_id, self.path or "", self.fingerprint or self.message])
        return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def to_dict(self, rule_id: str, default_severity: Severity) -> dict[str, Any]:
        return {
            "key": self.key(rule_id),
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "severity": str(self.severity or default_severity),
            "snippet": self.snippet,
            "fingerprint": self.fingerprint,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a rule passed or a detector fired: a place and a short, secret-free explanation."""

    detail: str
    path: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"detail": self.detail, "path": self.path, "line": self.line}


@dataclass(frozen=True, slots=True)
class Detection:
    """A detector's verdict: a platform or stack component, with how sure we are and why."""

    id: str  # e.g. "lovable", "nextjs"
    name: str  # e.g. "Lovable", "Next.js"
    confidence: str  # "high" | "medium" | "low"
    score: int
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "confidence": self.confidence,
            "score": self.score,
            "version": self.version,
        }


@dataclass(slots=True)
class RuleResult:
    rule_id: str
    title: str
    category: str
    severity: Severity
    kind: RuleKind
    checklist_keys: tuple[str, ...]
    status: Status
    summary: str = ""
    findings: list[Finding] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    detection: Detection | None = None
    findings_omitted: int = 0  # past the per-rule cap
    error: str | None = None  # the rule itself crashed; status is then not_applicable
    seconds: float = 0.0
    only_disproves: bool = False  # a pass does not verify its checklist items

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def failed(self) -> bool:
        return self.status is Status.FAILED

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "category": self.category,
            "severity": str(self.severity),
            "kind": str(self.kind),
            "checklist_keys": list(self.checklist_keys),
            "status": str(self.status),
            "summary": self.summary,
            "findings": [f.to_dict(self.rule_id, self.severity) for f in self.findings],
            "findings_omitted": self.findings_omitted,
            "evidence": [e.to_dict() for e in self.evidence],
            "detection": self.detection.to_dict() if self.detection else None,
            "error": self.error,
            "seconds": round(self.seconds, 6),
        }


@dataclass(frozen=True, slots=True)
class ScanIssue:
    """Something about the input worth telling a person: a skipped symlink, a crashed rule."""

    code: str  # e.g. "symlink-outside-tree", "file-too-large", "rule-error"
    message: str
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "path": self.path}


# Why a file or folder was not read, as the report, the scan page and the API name it.
SKIP_REASONS = ("too_deep", "too_large", "binary", "unreadable_name")
MAX_SKIPPED_LISTED = 200  # counted past this, not listed


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file or folder the scan did not read, and why; `secret_shaped` when its name is one
    that usually holds credentials (a .env, a private key), so a person looks at it."""

    path: str
    reason: str  # one of SKIP_REASONS
    secret_shaped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "secret_shaped": self.secret_shaped}


@dataclass(slots=True)
class ScanStats:
    files_seen: int = 0
    files_scanned: int = 0  # text files whose content was read and scanned
    bytes_seen: int = 0
    bytes_scanned: int = 0
    dirs_seen: int = 0
    skipped_dirs: int = 0  # .git, node_modules, build output...
    skipped_binary: int = 0
    skipped_large: int = 0
    skipped_symlinks: int = 0
    symlinks_outside: int = 0
    skipped_special: int = 0  # FIFOs, sockets, devices
    unreadable: int = 0
    skipped_deep: int = 0  # folders past the depth limit (their contents never listed)
    unreadable_names: int = 0  # files whose name is not valid UTF-8: not read

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class ScanReport:
    root: str
    platform: Detection | None = None
    platforms: list[Detection] = field(default_factory=list)
    stack: list[Detection] = field(default_factory=list)
    results: list[RuleResult] = field(default_factory=list)  # checks
    detections: list[RuleResult] = field(default_factory=list)  # detector rules
    stats: ScanStats = field(default_factory=ScanStats)
    timings: dict[str, float] = field(default_factory=dict)
    errors: list[ScanIssue] = field(default_factory=list)
    warnings: list[ScanIssue] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # the first MAX_SKIPPED_LISTED
    engine_version: str = ENGINE_VERSION

    def result(self, rule_id: str) -> RuleResult:
        for result in (*self.results, *self.detections):
            if result.rule_id == rule_id:
                return result
        raise KeyError(rule_id)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.failed]

    def checklist(self) -> dict[str, dict[str, Any]]:
        """Each checklist key's verdict: a gap if any rule for it failed, verified if at least
        one applied and passed, unknown when none could tell."""
        verdicts: dict[str, dict[str, Any]] = {}
        for result in self.results:
            status = result.status
            if status is Status.PASSED and result.only_disproves:
                status = Status.NOT_APPLICABLE
            for key in result.checklist_keys:
                entry = verdicts.setdefault(
                    key, {"status": "unknown", "passed": [], "failed": [], "not_applicable": []}
                )
                entry[str(status)].append(result.rule_id)
        for entry in verdicts.values():
            if entry["failed"]:
                entry["status"] = "gap"
            elif entry["passed"]:
                entry["status"] = "verified"
        return dict(sorted(verdicts.items()))

    def summary(self) -> dict[str, Any]:
        by_status = {str(s): 0 for s in Status}
        by_severity = {str(s): 0 for s in Severity}
        for result in self.results:
            by_status[str(result.status)] += 1
            if result.failed:
                for finding in result.findings:
                    by_severity[str(finding.severity or result.severity)] += 1
        return {"rules": by_status, "findings_by_severity": by_severity}

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine_version": self.engine_version,
            "root": self.root,
            "platform": self.platform.to_dict() if self.platform else None,
            "platforms": [d.to_dict() for d in self.platforms],
            "stack": [d.to_dict() for d in self.stack],
            "summary": self.summary(),
            "checklist": self.checklist(),
            "results": [r.to_dict() for r in self.results],
            "detections": [r.to_dict() for r in self.detections],
            "stats": self.stats.to_dict(),
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "skipped": {
                "counts": self.skipped_counts(),
                "items": [item.to_dict() for item in self.skipped],
            },
        }

    def skipped_counts(self) -> dict[str, int]:
        stats = self.stats
        return {
            "too_deep": stats.skipped_deep,
            "too_large": stats.skipped_large,
            "binary": stats.skipped_binary,
            "unreadable_name": stats.unreadable_names,
        }
