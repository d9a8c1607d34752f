"""Firebase security rules that let everyone in: `allow read, write: if true;`, a bare
`allow write;`, the console's "test mode" rule (open until a date), or `".read": true` in
Realtime Database rules."""

from __future__ import annotations

import re

from ..context import ScanContext
from ..model import Evidence, Finding, Severity
from ..registry import Outcome, failed, not_applicable, passed, rule
from ..snapshot import FileEntry
from ..textutil import LineIndex

_ALLOW = re.compile(r"\ballow\s+(?P<ops>[a-z]+(?:\s*,\s*[a-z]+)*)\s*(?::\s*if\s+(?P<cond>[^;]*))?;")
_TEST_MODE = re.compile(r"request\.time\s*<\s*timestamp\.date\(")
_JSON_OPEN = re.compile(r"\"\.(?P<op>read|write)\"\s*:\s*(?:true|\"true\")")
_LINE_COMMENT = re.compile(r"//[^\n]*")
_WRITE_OPS = frozenset({"write", "create", "update", "delete"})


def rules_files(ctx: ScanContext) -> list[FileEntry]:
    return [
        e
        for e in ctx.snapshot.files.values()
        if e.lname.endswith((".rules", ".rules.json"))
        and any(word in e.path.lower() for word in ("firestore", "storage", "database", "firebase"))
    ][:50]


def _condition_open(cond: str | None) -> str | None:
    """Why an `allow` condition admits everyone, or None if it restricts."""
    if cond is None:
        return "has no condition"
    normalised = cond.strip()
    if normalised == "true" or normalised.startswith(("true ||", "true||")):
        return "is `if true`"
    if _TEST_MODE.search(normalised) and "request.auth" not in normalised:
        return "is the console's test-mode rule (open to all until a date)"
    return None


@rule(
    id="ai.firebase-open-rules",
    title="Firebase security rules do not allow everyone",
    category="ai-faults",
    severity="critical",
    checklist_keys=("security.firebase-rules",),
)
def firebase_open_rules(ctx: ScanContext) -> Outcome:
    """firestore.rules and storage.rules must not `allow` reads or writes to everyone, and
    database.rules.json must not set `".read"` / `".write"` to true. Open writes are critical;
    open reads are high unless the data is public on purpose."""
    files = rules_files(ctx)
    if not files:
        if ctx.snapshot.root_file("firebase.json"):
            return not_applicable("firebase.json but no rules file in the repository.")
        return not_applicable("No Firebase rules.")
    findings = []
    for entry in files:
        text = ctx.read(entry.path)
        if text is None:
            continue
        if entry.lname.endswith(".json"):
            index = LineIndex(text)
            for m in _JSON_OPEN.finditer(text):
                op = m.group("op")
                findings.append(
                    _finding(entry.path, index.line(m.start()), {op}, f'".{op}" is true')
                )
            continue
        code = _LINE_COMMENT.sub(lambda c: " " * len(c.group()), text)
        index = LineIndex(code)
        for m in _ALLOW.finditer(code):
            why = _condition_open(m.group("cond"))
            if why:
                ops = {op.strip() for op in m.group("ops").split(",")}
                findings.append(_finding(entry.path, index.line(m.start()), ops, f"the rule {why}"))
    if findings:
        return failed(f"{len(findings)} rule(s) let anyone in.", findings)
    return passed("Firebase rules restrict access.", [Evidence("rules", e.path) for e in files])


def _finding(path: str, line: int, ops: set[str], why: str) -> Finding:
    writes = bool(ops & _WRITE_OPS)
    action = "write" if writes else "read"
    return Finding(
        f"Anyone can {action} this data: {why}.",
        path,
        line,
        Severity.CRITICAL if writes else Severity.HIGH,
    )
