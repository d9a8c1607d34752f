"""What the scan pages' and the API's tests share: a leaky Lovable export, a way to commit to
a test repository, and succeeded scans stored directly (no engine run) for query counts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.agencies.roles import Role
from apps.projects import services as project_services
from apps.scans.models import Scan, ScanFinding
from tests.scans.engine.gitrepo import git, openai_key, stripe_key
from tests.support.scan_fixtures import LOVABLE_APP

STRIPE = stripe_key(seed=7)
OPENAI = openai_key(seed=7)
# The Lovable export with a live Stripe key in the code: a critical finding on a known line.
LEAKY_APP = {**LOVABLE_APP, "src/pay.ts": f"// payments\nexport const key = '{STRIPE}'\n"}
SECRET_PATH = "src/pay.ts"


def commit(repo_path, files: dict[str, str], remove: tuple[str, ...] = ()) -> None:
    """A new commit in an existing repository: `files` written, `remove` deleted."""
    for name in remove:
        (repo_path / name).unlink()
    for name, content in files.items():
        target = repo_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    git(repo_path, "add", "-A")
    git(repo_path, "commit", "-q", "-m", "next")


def assign(project, member, owner):
    project_services.project_assign(actor=owner, project=project, member=member)
    return member


def contact_of(project, make_member):
    return make_member(project.agency, Role.CLIENT, client=project.client)


REPORT = {
    "platform": {"id": "lovable", "name": "Lovable", "confidence": "high", "score": 5,
                 "version": None},
    "stack": [{"id": "react-vite", "name": "React (Vite)", "confidence": "high", "score": 7,
               "version": "18.2.0"}],
    "summary": {"rules": {"passed": 20, "failed": 2, "not_applicable": 5},
                "findings_by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0,
                                         "info": 0}},
    "checklist": {
        "testing.unit-tests": {"status": "gap", "passed": [], "failed": ["testing.tests-present"],
                               "not_applicable": []},
        "deployment.ci-pipeline": {"status": "verified", "passed": ["ci.pipeline"], "failed": [],
                                "not_applicable": []},
    },
    "results": [{"rule_id": "testing.tests-present", "title": "Automated tests exist"}],
    "stats": {"files_scanned": 12},
}  # fmt: skip


def finished_scan(project, findings: int, *, previous=None, start: int = 0) -> Scan:
    """A succeeded scan stored directly, with `findings` findings in assorted categories."""
    now = timezone.now()
    report = {**REPORT, "summary": {**REPORT["summary"], "findings_by_severity": {
        "critical": 0, "high": findings, "medium": 0, "low": 0, "info": 0}}}  # fmt: skip
    scan = Scan.objects.create(
        agency=project.agency, project=project, repository_url="https://example.com/a.git",
        status=Scan.Status.SUCCEEDED, previous=previous, commit_sha="ab" * 20, report=report,
        started_at=now - timedelta(seconds=5), finished_at=now, timings={"clone": 1, "scan": 1},
    )  # fmt: skip
    ScanFinding.objects.bulk_create(
        ScanFinding(
            agency=project.agency,
            scan=scan,
            rule_id=f"testing.rule-{n % 3}",
            rule_title="A rule",
            category=("testing", "secrets", "deployment")[n % 3],
            severity=("critical", "high", "medium", "low")[n % 4],
            message=f"Problem {n}",
            path=f"src/file_{n}.ts",
            line=n + 1,
            snippet="sk_live_…abcd" if n % 3 == 1 else "",
            fingerprint="sha256:" + "0" * 64 if n % 3 == 1 else "",
            key=f"k{n}",
        )
        for n in range(start, start + findings)
    )
    return scan


def add_findings(scan: Scan, count: int) -> None:
    """`count` more high-severity testing findings on the scan, each in a file of its own."""
    ScanFinding.objects.bulk_create(
        ScanFinding(
            agency=scan.agency,
            scan=scan,
            rule_id="testing.x",
            rule_title="X",
            category="testing",
            severity="high",
            message="m",
            path=f"src/{scan.pk}/{n}.ts",
            line=n,
            key=f"{scan.pk.hex[:20]}-{n}",
        )
        for n in range(1, count + 1)
    )
