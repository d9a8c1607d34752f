"""Scan accuracy on prototypes the project builds itself (benchmarks/scan_corpus.py): git
repositories in the shape Lovable, V0, Replit, Bolt and Cursor export, with planted faults and
clean look-alikes labelled. It scans each with `scan_directory` (history reading and a recorded
vulnerability source on, when the engine takes them), matches findings to labels, and prints
per rule family: planted, found, missed, false alarms on look-alikes, precision and recall;
then the same for detect-secrets on the secret part.

A finding matches a label of its family (the tables below) on the same path, within two lines
when the label has a line; a label about a whole file matches any finding on that file, one
about the whole repository any finding of its kind's rules there. A rule that does not exist
yet scores as missed: that is the point.

    .venv/bin/python benchmarks/bench_scan_accuracy.py [--seed 14] [--per-builder 8] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan_corpus import BUILDERS, FAMILIES, Corpus, Label, build_corpus  # noqa: E402

# --- how engine rules map onto the corpus's families: update as rules land ---------------------

# Rule id prefixes per family; the longest matching prefix wins (secrets.in-history is history,
# not tree). A rule in no family is not scored.
FAMILY_RULES: dict[str, tuple[str, ...]] = {
    "secrets": ("secrets.", "ai.secret-in-client-code", "ai.service-role-in-frontend",
                "ai.client-env-secret-name"),
    "secrets-history": ("secrets.in-history",),
    "production-signals": ("production.",),
    "ci": ("ci.",),
    "supabase/api-exposure": ("ai.supabase-", "ai.firebase-", "ai.jwt-verification", "supabase.",
                              "api."),
    "dependencies": ("dependencies.",),
}  # fmt: skip
# Labels about a whole repository name the rules that speak for them (several faults of one
# family share a repository, so the family alone cannot tell them apart).
KIND_RULES: dict[str, tuple[str, ...]] = {
    "error-tracker-listed-unused": ("production.error-tracking",),
    "error-tracker-initialised": ("production.error-tracking",),
    "validation-listed-unused": ("production.input-validation",),
    "validation-used": ("production.input-validation",),
    "rate-limiter-listed-unused": ("production.rate-limiting",),
    "rate-limiter-applied": ("production.rate-limiting",),
    "structured-logger-listed-unused": ("production.structured-logging",),
    "structured-logger-used": ("production.structured-logging",),
    "caching-disabled": ("production.caching",),
    "caching-revalidates": ("production.caching",),
    "no-ci": ("ci.pipeline", "ci.runs-tests"),
    "no-lockfile": ("dependencies.lockfile",),
    "unpinned-latest": ("dependencies.pinned-npm",),
    "known-vulnerable-version": ("dependencies.known-vulnerabilities",),
    "patched-version": ("dependencies.known-vulnerabilities",),
}
# Kinds judged by severity: a planted fault counts as found at this severity or above, a
# look-alike as a false alarm at this severity or above (reference data may be reported low).
KIND_MIN_SEVERITY: dict[str, str] = {
    "permissive-policy-personal-data": "high",
    "permissive-policy-reference-data": "medium",
    "role-column-self-update": "high",
}
# Stack labels -> the engine's Detection.id.
STACK_IDS: dict[str, str] = {}  # identity unless listed
LINE_TOLERANCE = 2
_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass(frozen=True, slots=True)
class Found:
    """One finding as the bench sees it."""

    repo: str
    family: str
    rule: str
    path: str | None
    line: int | None
    severity: str = "high"


@dataclass(slots=True)
class Tally:
    planted: int = 0
    found: int = 0
    lookalikes: int = 0
    false_alarms: int = 0
    unlabelled: int = 0
    missed_kinds: Counter = field(default_factory=Counter)
    planted_kinds: Counter = field(default_factory=Counter)
    alarm_kinds: Counter = field(default_factory=Counter)
    lookalike_kinds: Counter = field(default_factory=Counter)

    @property
    def missed(self) -> int:
        return self.planted - self.found

    @property
    def precision(self) -> float | None:
        reported = self.found + self.false_alarms
        return self.found / reported if reported else None

    @property
    def recall(self) -> float | None:
        return self.found / self.planted if self.planted else None


def family_of(rule_id: str) -> str | None:
    best: tuple[int, str | None] = (0, None)
    for family, prefixes in FAMILY_RULES.items():
        for prefix in prefixes:
            if rule_id.startswith(prefix) and len(prefix) > best[0]:
                best = (len(prefix), family)
    return best[1]


def matches(label: Label, finding: Found) -> bool:
    rules = KIND_RULES.get(label.kind)
    minimum = KIND_MIN_SEVERITY.get(label.kind)
    if (
        finding.repo != label.repo
        or finding.family != label.family
        or (rules and not finding.rule.startswith(rules))
        or (minimum and _SEVERITY_RANK.get(finding.severity, 0) < _SEVERITY_RANK[minimum])
    ):
        return False
    if label.path is None:
        return True
    if finding.path != label.path:
        return False
    if label.line is None:
        return True
    return finding.line is not None and abs(finding.line - label.line) <= LINE_TOLERANCE


def _distance(label: Label, finding: Found) -> int:
    """How closely a matching finding points at a label: its own line first, then a label
    about the file, then one about the repository."""
    if label.path is None:
        return 1000
    if label.line is None:
        return 100
    return abs((finding.line or 0) - label.line)


def score(
    labels: Iterable[Label],
    findings: Sequence[Found],
    detections: Mapping[str, set[str]] | None = None,
) -> dict[str, Tally]:
    """Per family: each finding goes to the nearest label it matches (a planted one on a tie),
    so a key reported on its own line does not also count against the look-alike below it. A
    planted label with a finding is found, a look-alike with one is a false alarm; findings
    that match no label are "unlabelled". Stack labels are judged against `detections`
    (repository -> detected ids)."""
    tallies = {family: Tally() for family in FAMILIES}
    labels = list(labels)
    hit: set[int] = set()
    for finding in findings:
        candidates = [
            (_distance(label, finding), not label.planted, i)
            for i, label in enumerate(labels)
            if label.family != "stack" and matches(label, finding)
        ]
        if candidates:
            hit.add(min(candidates)[2])
        elif finding.family in tallies:
            tallies[finding.family].unlabelled += 1
    for i, label in enumerate(labels):
        tally = tallies[label.family]
        if label.family == "stack":
            detected = (detections or {}).get(label.repo, set())
            found = STACK_IDS.get(label.kind, label.kind) in detected
        else:
            found = i in hit
        if label.planted:
            tally.planted += 1
            tally.planted_kinds[label.kind] += 1
            tally.found += found
            if not found:
                tally.missed_kinds[label.kind] += 1
        else:
            tally.lookalikes += 1
            tally.lookalike_kinds[label.kind] += 1
            tally.false_alarms += found
            if found:
                tally.alarm_kinds[label.kind] += 1
    return tallies


# --- a recorded vulnerability source --------------------------------------------------------------

# OSV advisories as api.osv.dev gives them (id, aliases, severity, affected range), for the
# packages the corpus locks: the bench stays offline and gives the same answer every run.
RECORDED_ADVISORIES = (
    ("npm", "lodash", "GHSA-35jh-r3h4-6jhm", ("CVE-2021-23337",), "high", "0", "4.17.21",
     "Command injection in lodash's template"),
    ("npm", "axios", "GHSA-wf5p-g6vw-rhxx", ("CVE-2023-45857",), "medium", "0.8.1", "1.6.0",
     "Axios sends the XSRF-TOKEN to any host"),
    ("npm", "minimist", "GHSA-xvch-5gv4-984h", ("CVE-2021-44906",), "critical", "0", "1.2.6",
     "Prototype pollution in minimist"),
    ("npm", "next", "GHSA-fr5h-rqp8-mj6g", ("CVE-2024-34351",), "high", "13.4.0", "14.1.1",
     "Server-side request forgery in Next.js server actions"),
    ("PyPI", "flask", "GHSA-m2qf-hxjv-5gpq", ("CVE-2023-30861",), "high", "0", "2.2.5",
     "Flask may cache a response that sets a session cookie"),
)  # fmt: skip


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("-", 1)[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


class RecordedOSV:
    name = "recorded OSV advisories"

    def lookup(self, packages):  # the engine's VulnerabilitySource protocol
        from apps.scans.engine.vulns import Advisory

        answer = {}
        for package in packages:
            for (
                eco,
                name,
                osv_id,
                aliases,
                severity,
                introduced,
                fixed,
                summary,
            ) in RECORDED_ADVISORIES:
                if package.ecosystem != eco or package.name.lower() != name:
                    continue
                if _version(introduced) <= _version(package.version) < _version(fixed):
                    answer.setdefault(package, []).append(
                        Advisory(osv_id, summary, severity, fixed, aliases)
                    )
        return answer


# --- running the tools ----------------------------------------------------------------------------


def engine_options() -> tuple[dict, list[str]]:
    """What this engine's scan_directory takes: history reading and a vulnerability source
    when it has those parameters (the bench runs before and after they land)."""
    from apps.scans.engine import scan_directory

    parameters = inspect.signature(scan_directory).parameters
    options: dict = {}
    notes = []
    if "history" in parameters:
        from apps.scans.engine.history import HistoryLimits

        options["history"] = HistoryLimits()
        notes.append(f"history reading on (max {options['history'].max_commits} commits)")
    else:
        notes.append("history reading: not offered by scan_directory")
    if "vulnerabilities" in parameters:
        options["vulnerabilities"] = RecordedOSV()
        notes.append(f"vulnerabilities: {len(RECORDED_ADVISORIES)} recorded OSV advisories")
    return options, notes


def run_engine(corpus: Corpus) -> tuple[list[Found], dict[str, set[str]], Counter, float]:
    from apps.scans.engine import scan_directory

    options, _ = engine_options()
    findings: list[Found] = []
    detections: dict[str, set[str]] = {}
    outside: Counter = Counter()
    started = time.perf_counter()
    for repo in corpus.repos:
        report = scan_directory(repo.path, **options)
        detections[repo.name] = {d.id for d in report.stack}
        for result in report.results:
            family = family_of(result.rule_id)
            for f in result.findings:
                if family is None:
                    outside[result.rule_id] += 1
                    continue
                severity = str(f.severity or result.severity)
                findings.append(Found(repo.name, family, result.rule_id, f.path, f.line, severity))
        for issue in report.errors:
            print(f"  {repo.name}: engine error {issue.code}: {issue.message}")
    return findings, detections, outside, time.perf_counter() - started


def run_detect_secrets(corpus: Corpus) -> tuple[list[Found], float]:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    findings: list[Found] = []
    previous = Path.cwd()
    started = time.perf_counter()
    try:
        for repo in corpus.repos:
            os.chdir(repo.path)  # detect-secrets reports paths relative to the working directory
            paths = [
                p.relative_to(repo.path).as_posix()
                for p in sorted(repo.path.rglob("*"))
                if p.is_file() and ".git" not in p.relative_to(repo.path).parts
            ]
            collection = SecretsCollection()
            with default_settings():
                collection.scan_files(*paths, num_processors=1)
            for filename, secret in collection:
                findings.append(
                    Found(repo.name, "secrets", secret.type, filename, secret.line_number)
                )
    finally:
        os.chdir(previous)
    return findings, time.perf_counter() - started


# --- printing -------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


HEADER = (
    f"{'family':<24} {'planted':>7} {'found':>6} {'missed':>6} {'look-alikes':>11} "
    f"{'false alarms':>12} {'precision':>9} {'recall':>6} {'unlabelled':>10}"
)


def row(name: str, t: Tally) -> str:
    return (
        f"{name:<24} {t.planted:>7} {t.found:>6} {t.missed:>6} {t.lookalikes:>11} "
        f"{t.false_alarms:>12} {_pct(t.precision):>9} {_pct(t.recall):>6} {t.unlabelled:>10}"
    )


def print_kinds(tallies: dict[str, Tally]) -> None:
    print("\nby kind (found/planted; false alarms/look-alikes):")
    for family in FAMILIES:
        t = tallies[family]
        if family == "stack":
            continue
        planted = ", ".join(
            f"{k} {n - t.missed_kinds[k]}/{n}" for k, n in sorted(t.planted_kinds.items())
        )
        clean = ", ".join(
            f"{k} {t.alarm_kinds[k]}/{n}" for k, n in sorted(t.lookalike_kinds.items())
        )
        print(f"  {family}\n    faults: {planted or '-'}\n    look-alikes: {clean or '-'}")
    t = tallies["stack"]
    techs = sorted(set(t.planted_kinds) | set(t.lookalike_kinds))
    print("  stack (detected when present / detected when absent)")
    print(
        "    "
        + ", ".join(
            f"{k} {t.planted_kinds[k] - t.missed_kinds[k]}/{t.planted_kinds[k]}"
            f" | {t.alarm_kinds[k]}/{t.lookalike_kinds[k]}"
            for k in techs
        )
    )


def print_corpus(corpus: Corpus, built: float, kept: Path | None) -> None:
    labels = corpus.labels
    scored = [label for label in labels if label.family != "stack"]
    files = sum(r.files for r in corpus.repos)
    commits = sum(r.commits for r in corpus.repos)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    _, notes = engine_options()
    per_builder = len(corpus.repos) // len(BUILDERS)
    print(
        f"corpus: seed {corpus.seed}, {len(BUILDERS)} builders x {per_builder} = "
        f"{len(corpus.repos)} git repositories, {files} files, {commits} commits "
        f"(built in {built:.1f} s{', kept in ' + str(kept) if kept else ''})"
    )
    print(
        f"labels: {sum(x.planted for x in scored)} planted faults, "
        f"{sum(not x.planted for x in scored)} clean look-alikes, "
        f"{sum(x.family == 'stack' for x in labels)} stack facts"
    )
    print(f"load average: {load} ({os.cpu_count()} cores); " + "; ".join(notes))


def print_detect_secrets(corpus: Corpus, engine: Tally) -> None:
    try:
        version = importlib.metadata.version("detect-secrets")
    except importlib.metadata.PackageNotFoundError:
        print("\ndetect-secrets is not installed: .venv/bin/pip install detect-secrets")
        return
    findings, seconds = run_detect_secrets(corpus)
    theirs = score([x for x in corpus.labels if x.family == "secrets"], findings)["secrets"]
    print(f"\ndetect-secrets {version} on the secret part ({seconds:.1f} s, same repositories)")
    print(HEADER)
    print(row("secrets (launchpad)", engine))
    print(row("secrets (detect-secrets)", theirs))
    print("  (detect-secrets reads the tree only: no figure for secrets-history)")
    missed = ", ".join(f"{k} {n}" for k, n in sorted(theirs.missed_kinds.items()))
    alarms = ", ".join(f"{k} {n}" for k, n in sorted(theirs.alarm_kinds.items()))
    print(f"  detect-secrets missed: {missed or '-'}")
    print(f"  detect-secrets false alarms: {alarms or '-'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--per-builder", type=int, default=8, help="repositories per builder")
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    args = parser.parse_args()

    cleanup = None
    if args.keep:
        shutil.rmtree(args.keep, ignore_errors=True)
        root = args.keep
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="bench-scan-accuracy-")
        root = Path(cleanup.name)
    try:
        started = time.perf_counter()
        corpus = build_corpus(root, seed=args.seed, per_builder=args.per_builder)
        print_corpus(corpus, time.perf_counter() - started, args.keep)

        findings, detections, outside, seconds = run_engine(corpus)
        engine = score(corpus.labels, findings, detections)
        print(f"\nlaunchpad engine ({seconds:.1f} s for {len(corpus.repos)} scans)")
        print(HEADER)
        for family in FAMILIES:
            print(row(family, engine[family]))
        print_kinds(engine)
        if outside:
            print(
                "\nfindings of rules in no family (not scored): "
                + ", ".join(f"{rule} {n}" for rule, n in sorted(outside.items()))
            )
        print_detect_secrets(corpus, engine["secrets"])
    finally:
        if cleanup is not None:
            cleanup.cleanup()


if __name__ == "__main__":
    main()
