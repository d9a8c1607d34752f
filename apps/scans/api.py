"""API views for repository scans: an engagement's scans (list, start one), one scan (status,
counts, checklist verdicts, platform and stack), its findings (staff who can scan the
engagement only) and the comparison with the previous scan.

Whoever can see the engagement may read its scans; client contacts get counts and verdicts,
never a path, line, snippet or fingerprint."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies.mixins import AgencyAPIMixin
from apps.agencies.models import Membership
from apps.agencies.roles import Capability
from apps.core.api import CreatedCursorPagination, QueryFiltersMixin
from apps.core.errors import ConflictError
from apps.projects.access import get_project_scope
from apps.projects.permissions import can_scan
from apps.scans import exports, selectors, services
from apps.scans.access import get_scan, get_scan_for_findings
from apps.scans.models import Scan, ScanFinding
from apps.scans.report import diff_data, finding_counts, scan_cleared_rules
from apps.scans.serializers import (
    FindingFilterSerializer,
    FindingSerializer,
    FindingTriageInputSerializer,
    ScanDetailSerializer,
    ScanDiffSerializer,
    ScanRequestSerializer,
    ScanSerializer,
    TriageSerializer,
)

C = Capability

PROJECT_ID = "852f9e4f-035d-4410-9587-4ee12b4c7274"
SCAN_ID = "3f6c2b9e-8d41-4a7b-9c2e-5b1d7e0a4f62"
PREVIOUS_ID = "a1d94c37-2e6b-4f08-b5c3-9e7a1d2f6b84"
USER = {"id": "04fce5cc-e11a-433d-a807-445cf73ff95f", "email": "sam@northwind.example",
        "name": "Sam Rivera"}  # fmt: skip
SEVERITIES_ZERO = {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0}
SCAN_EXAMPLE = {
    "id": SCAN_ID,
    "project": PROJECT_ID,
    "status": "succeeded",
    "trigger": "manual",
    "repository_url": "https://github.com/acme/portal.git",
    "commit_sha": "8f0995a193c48145c991cc4b9dc9254eabffaa88",
    "failure_code": "",
    "failure_reason": "",
    "finding_count": 3,
    "previous": PREVIOUS_ID,
    "requested_by": USER,
    "created_at": "2026-03-02T12:00:00Z",
    "started_at": "2026-03-02T12:00:01Z",
    "finished_at": "2026-03-02T12:00:09Z",
}
SCAN_DETAIL_EXAMPLE = {
    **SCAN_EXAMPLE,
    "timings": {"clone": 6.412, "scan": 1.207},
    "files_scanned": 214,
    "platform": {"id": "lovable", "name": "Lovable", "confidence": "high", "version": None},
    "stack": [
        {"id": "react-vite", "name": "React (Vite)", "confidence": "high", "version": "18.2.0"},
        {"id": "supabase", "name": "Supabase", "confidence": "high", "version": "2.39.0"},
    ],
    "summary": {
        "findings": 3,
        "by_severity": {**SEVERITIES_ZERO, "critical": 1, "high": 1, "medium": 1},
        "by_category": [
            {
                "category": "testing",
                "label": "Testing",
                "total": 1,
                "by_severity": {**SEVERITIES_ZERO, "high": 1},
            },
            {
                "category": "deployment",
                "label": "Deployment",
                "total": 1,
                "by_severity": {**SEVERITIES_ZERO, "medium": 1},
            },
            {
                "category": "secrets",
                "label": "Secrets",
                "total": 1,
                "by_severity": {**SEVERITIES_ZERO, "critical": 1},
            },
        ],
        "rules": {"passed": 31, "failed": 3, "not_applicable": 15},
        "triaged": {"false_positive": 0, "accepted_risk": 1},
    },
    "checklist": [
        {
            "key": "deployment.ci-pipeline",
            "status": "verified",
            "passed_rules": ["ci.pipeline"],
            "failed_rules": [],
            "false_positive_rules": [],
        },
        {
            "key": "deployment.containerised",
            "status": "gap",
            "passed_rules": [],
            "failed_rules": ["deployment.dockerfile"],
            "false_positive_rules": [],
        },
        {
            "key": "security.no-committed-secrets",
            "status": "gap",
            "passed_rules": [],
            "failed_rules": ["secrets.stripe-key"],
            "false_positive_rules": [],
        },
    ],
}
QUEUED_EXAMPLE = {
    **SCAN_EXAMPLE,
    "status": "queued",
    "commit_sha": "",
    "finding_count": None,
    "started_at": None,
    "finished_at": None,
    "timings": {},
    "files_scanned": None,
    "platform": None,
    "stack": [],
    "summary": None,
    "checklist": [],
}
FINDING_EXAMPLE = {
    "id": "6b0f1c2d-3e4a-4b5c-8d6e-7f8091a2b3c4",
    "rule_id": "secrets.stripe-key",
    "rule_title": "Stripe secret key",
    "category": "secrets",
    "severity": "critical",
    "message": "Stripe live secret key committed (assigned to key).",
    "path": "src/lib/payments.ts",
    "line": 12,
    "snippet": "sk_live_…f3a9",
    "fingerprint": "sha256:512e08aa560f753dcf503242e61d59d33bdc52313e8aa117ba132bb33b146498",
    "key": "5c1e0b7d9a3f42e6b8d1c0a9",
    "checklist_keys": ["security.no-committed-secrets"],
    "reason": "Stripe live secret key pattern sk_live_ + 24 characters",
    "triage": None,
}
TRIAGE_EXAMPLE = {
    "key": "5c1e0b7d9a3f42e6",
    "rule_id": "secrets.stripe-key",
    "state": "accepted_risk",
    "reason": "Restricted test-mode key, rotated weekly; agreed with the client on 2 March.",
    "decided_by": USER,
    "decided_at": "2026-03-02T12:30:00Z",
}
FIXED_EXAMPLE = {
    **FINDING_EXAMPLE,
    "id": "0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f",
    "rule_id": "testing.tests-present",
    "rule_title": "Automated tests exist",
    "category": "testing",
    "severity": "high",
    "message": "No test files (*.test.ts, *.spec.js, tests/test_*.py...) in the repository.",
    "path": "",
    "line": None,
    "snippet": "",
    "fingerprint": "",
    "key": "e2a4c6b8d0f1e3a5c7b9d1f3",
    "checklist_keys": ["testing.unit-tests"],
}
DIFF_COUNTS = {
    "scan": SCAN_ID,
    "previous": {
        "id": PREVIOUS_ID,
        "commit_sha": "1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d",
        "finished_at": "2026-02-23T12:00:08Z",
    },
    "counts": {"new": 1, "fixed": 1, "unchanged": 2, "still_open": 2, "triaged": 0},
    "new_by_severity": {**SEVERITIES_ZERO, "critical": 1},
    "fixed_by_severity": {**SEVERITIES_ZERO, "high": 1},
}


class ScanCursorPagination(CreatedCursorPagination):
    ordering = ("-created_at", "-id")


class FindingCursorPagination(CreatedCursorPagination):
    # The reading order of selectors.finding_list: by category, rule, file and line.
    ordering = ("category", "rule_id", "path", "line", "id")


class ScanAccessMixin:
    """Load the scan through its one door (404 unless its engagement is visible)."""

    membership: Membership  # set by the agency mixin it is used with

    def scan(self, scan_id) -> Scan:
        return get_scan(member=self.membership, scan_id=scan_id)

    def detail_response(self, scan_id, status_code: int = status.HTTP_200_OK) -> Response:
        scan = self.scan(scan_id)
        counts = None
        context: dict[str, Any] = {
            "counts": counts,
            "full": can_scan(self.membership, scan.project),
        }
        if scan.status == Scan.Status.SUCCEEDED:
            # False positives are left out of the counts and of the checklist's gaps
            # (apps.scans.report, "Triage and the verdicts"): the same as the scan page.
            counts = finding_counts(
                selectors.counted_findings(scan=scan).values_list("category", "severity")
            )
            triaged = selectors.triage_counts(scan=scan)
            context.update(
                counts=counts,
                triaged=triaged,
                cleared=scan_cleared_rules(scan) if triaged["false_positive"] else set(),
            )
        serializer = ScanDetailSerializer(scan, context=context)
        return Response(serializer.data, status=status_code)


@extend_schema(tags=["scans"])
class ProjectScanListAPI(AgencyAPIMixin, ScanAccessMixin, generics.ListAPIView):
    """The engagement's scans, newest first."""

    # Reading follows the engagement's visibility; starting one is for staff who can scan it
    # (admins, and engineers assigned to it: scans.services decides).
    required_capability = {"GET": None, "POST": C.RUN_ASSIGNED_SCANS}
    serializer_class = ScanSerializer
    pagination_class = ScanCursorPagination
    filter_backends = []

    def get_queryset(self):
        project = get_project_scope(member=self.membership, project_id=self.kwargs["project_id"])
        return selectors.scan_list(project=project)

    @extend_schema(
        examples=[
            OpenApiExample(
                "The last scan",
                value={"next": None, "previous": None, "results": [SCAN_EXAMPLE]},
                response_only=True,
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ScanRequestSerializer,
        responses={
            201: OpenApiResponse(ScanDetailSerializer, description="A new scan, queued."),
            200: OpenApiResponse(
                ScanDetailSerializer,
                description="A scan of this engagement was already queued or running: that one.",
            ),
        },
        description="Queue a scan of the engagement's repository, optionally with a new "
        "address (saved on the engagement) or access token (stored encrypted). Follow its "
        "progress at `.../scans/{id}/`. Only https addresses without credentials in them are "
        "accepted; anything else is a 400 naming `repository_url`, and nothing is queued.",
        examples=[
            OpenApiExample("Scan the saved address", value={}, request_only=True),
            OpenApiExample(
                "A private repository",
                value={
                    "repository_url": "https://github.com/acme/portal.git",
                    "token": "github_pat_11AAAAAAA0example",
                },
                request_only=True,
            ),
            OpenApiExample("Queued", value=QUEUED_EXAMPLE, response_only=True, status_codes=[201]),
        ],
    )
    def post(self, request, agency_slug, project_id):
        project = get_project_scope(member=self.membership, project_id=project_id)
        serializer = ScanRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        asked_at = timezone.now()
        scan = services.scan_request(
            project=project,
            actor=self.membership,
            repository_url=data.get("repository_url"),
            token=data.get("token") or None,
            trigger=Scan.Trigger.API,
        )
        created = scan.created_at >= asked_at
        # Read it again: without a broker the scan has already run by now.
        return self.detail_response(
            scan.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(tags=["scans"])
class ScanDetailAPI(AgencyAPIMixin, ScanAccessMixin, APIView):
    required_capability = C.VIEW_SCAN_SUMMARY

    @extend_schema(
        responses=ScanDetailSerializer,
        description="The scan's state and, once it has succeeded, what it found as counts "
        "(overall, by severity and by category), the checklist verdicts, and the platform "
        "and stack detected. Poll it while `status` is `queued` or `running`. A failed scan "
        "says why in `failure_reason`. The findings themselves are at `.../findings/`.",
        examples=[
            OpenApiExample("Succeeded", value=SCAN_DETAIL_EXAMPLE, response_only=True),
            OpenApiExample(
                "Failed",
                value={
                    **QUEUED_EXAMPLE,
                    "status": "failed",
                    "failure_code": "unsupported_scheme",
                    "failure_reason": "Only https addresses can be scanned (this one is "
                    "“http”). Use the repository's https clone URL, such as "
                    "https://github.com/acme/app.git.",
                    "started_at": "2026-03-02T12:00:01Z",
                    "finished_at": "2026-03-02T12:00:01Z",
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request, agency_slug, scan_id):
        return self.detail_response(scan_id)


@extend_schema(tags=["scans"])
class ScanFindingListAPI(AgencyAPIMixin, ScanAccessMixin, QueryFiltersMixin, generics.ListAPIView):
    """The scan's findings with file, line and redacted snippet, by category, rule, file and
    line. Staff who can scan the engagement only: client contacts get 403."""

    required_capability = C.RUN_ASSIGNED_SCANS
    serializer_class = FindingSerializer
    pagination_class = FindingCursorPagination
    filter_backends = []
    filter_serializer_class = FindingFilterSerializer

    def get_queryset(self):
        self.findings_scan = get_scan_for_findings(
            member=self.membership, scan_id=self.kwargs["scan_id"]
        )
        return selectors.finding_list(scan=self.findings_scan, **self.query_filters())

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # The engagement's decisions on this page's findings: one query, not one per row.
        return selectors.with_triage(list(page or []), project=self.findings_scan.project)

    @extend_schema(
        examples=[
            OpenApiExample(
                "A committed secret",
                value={"next": None, "previous": None, "results": [FINDING_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["scans"])
class ScanDiffAPI(AgencyAPIMixin, ScanAccessMixin, APIView):
    required_capability = C.VIEW_SCAN_SUMMARY

    @extend_schema(
        responses={
            200: ScanDiffSerializer,
            409: OpenApiResponse(description="The scan has not succeeded (yet)."),
        },
        description="What is new since the previous successful scan and what was fixed, "
        "matched by rule, file and (for secrets) fingerprint: a finding that only moved to "
        "another line is unchanged. Without a previous scan `previous` is null and every "
        "finding is new. Staff who can scan the engagement get the findings (`new`, "
        "`fixed`); client contacts get the counts only.",
        examples=[
            OpenApiExample(
                "Staff",
                value={**DIFF_COUNTS, "new": [FINDING_EXAMPLE], "fixed": [FIXED_EXAMPLE]},
                response_only=True,
            ),
            OpenApiExample("Client contact", value=DIFF_COUNTS, response_only=True),
        ],
    )
    def get(self, request, agency_slug, scan_id):
        scan = self.scan(scan_id)
        if scan.status != Scan.Status.SUCCEEDED:
            raise ConflictError(
                f"This scan is {scan.get_status_display().lower()}: only a scan that succeeded "
                "can be compared with the previous one.",
                code="scan_not_succeeded",
            )
        full = can_scan(self.membership, scan.project)
        diff = selectors.scan_diff(scan=scan)
        return Response(ScanDiffSerializer(diff_data(diff, scan=scan, full=full)).data)


@extend_schema(tags=["scans"])
class FindingTriageAPI(AgencyAPIMixin, APIView):
    """A person's decision on one finding: POST marks it (false positive or accepted risk,
    with a reason), DELETE undoes it. The decision belongs to the engagement and the
    finding's stable key, so every later scan that finds the same thing shows it triaged.
    Admins and the engineers assigned to the engagement only: others get 403 and nothing
    changes."""

    required_capability = C.RUN_ASSIGNED_SCANS

    def finding(self, scan_id, finding_id) -> ScanFinding:
        scan = get_scan_for_findings(member=self.membership, scan_id=scan_id)
        try:
            return selectors.get_finding(scan=scan, finding_id=finding_id)
        except ScanFinding.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        request=FindingTriageInputSerializer,
        responses={
            200: TriageSerializer,
        },
        description="Mark the finding (a 400 for no reason, one over 500 characters or an "
        "unknown state, and nothing is saved). Marking it again replaces the state and the reason. "
        "A false positive is left out of the scan's counts, and a rule whose every finding "
        "is a false positive opens no checklist gap (it counts as passed); an accepted risk "
        "stays counted and failing, only marked. Audited with the reason.",
        examples=[
            OpenApiExample(
                "Accept a risk",
                value={"state": "accepted_risk", "reason": TRIAGE_EXAMPLE["reason"]},
                request_only=True,
            ),
            OpenApiExample("Marked", value=TRIAGE_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, agency_slug, scan_id, finding_id):
        finding = self.finding(scan_id, finding_id)
        serializer = FindingTriageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        triage = services.finding_triage_set(
            actor=self.membership, finding=finding, **serializer.validated_data
        )
        return Response(TriageSerializer(triage).data)

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Undone: the finding counts again."),
        },
        description="Undo the decision. A finding that is not triaged (any more) is a 404, "
        "as a resource already deleted is.",
    )
    def delete(self, request, agency_slug, scan_id, finding_id):
        finding = self.finding(scan_id, finding_id)
        if not services.finding_triage_clear(actor=self.membership, finding=finding):
            raise Http404("This finding is not triaged.")
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["scans"])
class ScanExportAPI(AgencyAPIMixin, APIView):
    """The scan's findings as a file: `sarif` (SARIF 2.1.0, what GitHub code scanning reads)
    or `csv`. Staff who can scan the engagement only, like the findings list."""

    required_capability = C.RUN_ASSIGNED_SCANS

    @extend_schema(
        responses={
            (200, "application/sarif+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="`sarif`: a SARIF 2.1.0 log."
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="`csv`: one row per finding, with a header."
            ),
            409: OpenApiResponse(description="The scan has not succeeded (yet)."),
        },
    )
    def get(self, request, agency_slug, scan_id, export_format):
        scan = get_scan_for_findings(member=self.membership, scan_id=scan_id)
        if export_format not in ("sarif", "csv"):
            raise Http404("Export as sarif or csv.")
        if scan.status != Scan.Status.SUCCEEDED:
            raise ConflictError(
                f"This scan is {scan.get_status_display().lower()}: only a scan that "
                "succeeded has findings to export.",
                code="scan_not_succeeded",
            )
        return exports.export_response(scan, export_format)
