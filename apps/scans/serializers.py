"""API representations of scans and their findings (what they hold is read by report.py).

Two audiences: staff who can scan the engagement get findings with file, line and redacted
snippet; client contacts get counts and verdicts only. Nothing here that a client contact
receives holds a path, a line, a snippet or a fingerprint."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.agencies.serializers import UserSummarySerializer
from apps.core.api import InputSerializer
from apps.scans.engine.model import SKIP_REASONS
from apps.scans.engine.registry import CATEGORY_ORDER
from apps.scans.models import FindingTriage, Scan, ScanFinding
from apps.scans.report import (
    category_label,
    checklist_verdicts,
    finding_total,
    report_files_scanned,
    report_platform,
    report_rule_errors,
    report_rules,
    report_skipped,
    report_stack,
)
from apps.scans.selectors import SEVERITY_ORDER

SEVERITY_CHOICES = [(s, s.title()) for s in SEVERITY_ORDER]
CATEGORY_CHOICES = [(c, category_label(c)) for c in CATEGORY_ORDER]
VERDICT_CHOICES = [
    ("verified", "Verified: every rule for it that applies passed"),
    ("gap", "Gap: at least one rule for it failed"),
    ("unknown", "Unknown: no rule for it applied"),
]


# --- Output -----------------------------------------------------------------------------------


class SeverityCountsSerializer(serializers.Serializer):
    critical = serializers.IntegerField()
    high = serializers.IntegerField()
    medium = serializers.IntegerField()
    low = serializers.IntegerField()
    info = serializers.IntegerField()


class CategoryCountsSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=CATEGORY_CHOICES)
    # The API's field is called "label", like an attribute every DRF field has.
    label = serializers.CharField()  # type: ignore[assignment]
    total = serializers.IntegerField()
    by_severity = SeverityCountsSerializer()


class RuleCountsSerializer(serializers.Serializer):
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    not_applicable = serializers.IntegerField()


class TriageCountsSerializer(serializers.Serializer):
    false_positive = serializers.IntegerField()
    accepted_risk = serializers.IntegerField()


class ScanSummarySerializer(serializers.Serializer):
    findings = serializers.IntegerField(
        help_text="How many findings in all, false positives left out (accepted risks count)."
    )
    by_severity = SeverityCountsSerializer()
    by_category = CategoryCountsSerializer(many=True)
    rules = RuleCountsSerializer(help_text="How many checks passed, failed or did not apply.")
    triaged = TriageCountsSerializer(
        help_text="How many of the scan's findings someone marked, by decision."
    )


class DetectionSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="e.g. lovable, react-vite, supabase")
    name = serializers.CharField()
    confidence = serializers.ChoiceField(choices=["high", "medium", "low"])
    version = serializers.CharField(allow_null=True)


class VerdictSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The checklist item's key, e.g. testing.unit-tests.")
    status = serializers.ChoiceField(choices=VERDICT_CHOICES)
    passed_rules = serializers.ListField(child=serializers.CharField())
    failed_rules = serializers.ListField(child=serializers.CharField())
    false_positive_rules = serializers.ListField(
        child=serializers.CharField(),
        help_text="Rules that failed but whose every finding was marked a false positive: "
        "counted as passed (also listed in passed_rules).",
    )


class TimingsSerializer(serializers.Serializer):
    clone = serializers.FloatField(required=False, help_text="Seconds spent cloning.")
    scan = serializers.FloatField(required=False, help_text="Seconds spent scanning.")


class ScanSerializer(serializers.ModelSerializer):
    """One scan in a list: what, when, by whom, and how it ended."""

    project = serializers.UUIDField(source="project_id", read_only=True)
    previous = serializers.UUIDField(
        source="previous_id",
        read_only=True,
        allow_null=True,
        help_text="The scan this one is compared with (the last successful one before it).",
    )
    requested_by = UserSummarySerializer(read_only=True, allow_null=True)
    finding_count = serializers.SerializerMethodField(
        help_text="How many findings; null until the scan has succeeded."
    )

    class Meta:
        model = Scan
        fields = [
            "id",
            "project",
            "status",
            "trigger",
            "repository_url",
            "commit_sha",
            "failure_code",
            "failure_reason",
            "finding_count",
            "previous",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_finding_count(self, scan: Scan) -> int | None:
        return finding_total(scan) if scan.status == Scan.Status.SUCCEEDED else None


class SkippedCountsSerializer(serializers.Serializer):
    too_deep = serializers.IntegerField(help_text="Folders nested past the depth limit.")
    too_large = serializers.IntegerField(help_text="Files over the per-file size limit.")
    binary = serializers.IntegerField(help_text="Binary files (images, archives...).")
    unreadable_name = serializers.IntegerField(help_text="Files whose name is not UTF-8.")


class SkippedItemSerializer(serializers.Serializer):
    path = serializers.CharField()
    reason = serializers.ChoiceField(choices=list(SKIP_REASONS))
    secret_shaped = serializers.BooleanField(
        help_text="Its name is one that usually holds credentials (.env, a private key)."
    )


class SkippedSerializer(serializers.Serializer):
    counts = SkippedCountsSerializer()
    total = serializers.IntegerField()
    items = SkippedItemSerializer(
        many=True,
        required=False,
        help_text="The first 200 paths not read, secret-shaped ones first; staff who can scan "
        "the engagement only.",
    )


class ScanDetailSerializer(ScanSerializer):
    """One scan with what it found, as counts and verdicts. The findings themselves (file,
    line, snippet) are at .../findings/, for staff only. Give `counts` (finding_counts) in the
    context for a succeeded scan."""

    timings = TimingsSerializer(read_only=True)
    files_scanned = serializers.SerializerMethodField()
    platform = serializers.SerializerMethodField()
    stack = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    skipped = serializers.SerializerMethodField()
    rule_errors = serializers.SerializerMethodField()

    class Meta(ScanSerializer.Meta):
        fields = [
            *ScanSerializer.Meta.fields,
            "timings",
            "files_scanned",
            "skipped",
            "rule_errors",
            "platform",
            "stack",
            "summary",
            "checklist",
        ]
        read_only_fields = fields

    def get_files_scanned(self, scan: Scan) -> int | None:
        return report_files_scanned(scan)

    @extend_schema_field(SkippedSerializer(allow_null=True))
    def get_skipped(self, scan: Scan):
        skipped = report_skipped(scan, full=self.context.get("full", False))
        return SkippedSerializer(skipped).data if skipped is not None else None

    def get_rule_errors(self, scan: Scan) -> list[str]:
        """The rules that crashed on this repository (each with its error); the scan went on."""
        return report_rule_errors(scan)

    @extend_schema_field(DetectionSerializer(allow_null=True))
    def get_platform(self, scan: Scan):
        platform = report_platform(scan)
        return DetectionSerializer(platform).data if platform else None

    @extend_schema_field(DetectionSerializer(many=True))
    def get_stack(self, scan: Scan):
        return DetectionSerializer(report_stack(scan), many=True).data

    @extend_schema_field(ScanSummarySerializer(allow_null=True))
    def get_summary(self, scan: Scan):
        counts = self.context.get("counts")
        if scan.status != Scan.Status.SUCCEEDED or counts is None:
            return None
        triaged = self.context.get("triaged") or dict.fromkeys(FindingTriage.State.values, 0)
        return ScanSummarySerializer(
            {**counts, "rules": report_rules(scan), "triaged": triaged}
        ).data

    @extend_schema_field(VerdictSerializer(many=True))
    def get_checklist(self, scan: Scan):
        cleared = self.context.get("cleared") or ()
        return VerdictSerializer(checklist_verdicts(scan, cleared=cleared), many=True).data


class TriageSerializer(serializers.ModelSerializer):
    """A person's decision on a finding, kept for the engagement across rescans."""

    state = serializers.ChoiceField(choices=FindingTriage.State.choices, read_only=True)
    decided_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = FindingTriage
        fields = ["key", "rule_id", "state", "reason", "decided_by", "decided_at"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    """One problem at one place. A secret appears only redacted (`sk_live_…f3a9`), with the
    sha256 fingerprint that tells a rotated key from a moved one."""

    severity = serializers.ChoiceField(choices=SEVERITY_CHOICES, read_only=True)
    category = serializers.ChoiceField(choices=CATEGORY_CHOICES, read_only=True)
    checklist_keys = serializers.ListField(child=serializers.CharField(), read_only=True)
    reason = serializers.CharField(
        read_only=True,
        help_text="Why the finding is believed: which pattern, trigger or import; never the "
        "secret.",
    )
    triage = serializers.SerializerMethodField(
        help_text="The engagement's decision on this finding (kept across rescans), or null."
    )

    class Meta:
        model = ScanFinding
        fields = [
            "id",
            "rule_id",
            "rule_title",
            "category",
            "severity",
            "message",
            "path",
            "line",
            "snippet",
            "fingerprint",
            "key",
            "checklist_keys",
            "reason",
            "triage",
        ]
        read_only_fields = fields

    @extend_schema_field(TriageSerializer(allow_null=True))
    def get_triage(self, finding: ScanFinding):
        # Set by selectors.with_triage (one query for a page of findings).
        triage = getattr(finding, "triage", None)
        return TriageSerializer(triage).data if triage is not None else None


class PreviousScanSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    commit_sha = serializers.CharField()
    finished_at = serializers.DateTimeField(allow_null=True)


class DiffCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField(help_text="Not in the previous scan, and not triaged.")
    fixed = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text="In both scans, triaged or not.")
    still_open = serializers.IntegerField(help_text="In both scans, and not triaged.")
    triaged = serializers.IntegerField(help_text="Marked false positive or accepted risk.")


class ScanDiffSerializer(serializers.Serializer):
    """What changed since the previous successful scan. `new` and `fixed` (the findings
    themselves) are given to staff only; everyone gets the counts."""

    scan = serializers.UUIDField()
    previous = PreviousScanSerializer(allow_null=True)
    counts = DiffCountsSerializer()
    new_by_severity = SeverityCountsSerializer()
    fixed_by_severity = SeverityCountsSerializer()
    # Not read-only and not required: the schema then says they may be absent.
    new = FindingSerializer(many=True, required=False, help_text="Staff only.")
    fixed = FindingSerializer(many=True, required=False, help_text="Staff only.")
    still_open = FindingSerializer(many=True, required=False, help_text="Staff only.")
    triaged = FindingSerializer(many=True, required=False, help_text="Staff only.")


# --- Input ------------------------------------------------------------------------------------


class ScanRequestSerializer(InputSerializer):
    repository_url = serializers.CharField(
        max_length=500,
        required=False,
        help_text="The https clone address; the engagement's own address when left out. "
        "A new address is saved on the engagement.",
    )
    token = serializers.CharField(
        max_length=400,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="An access token for a private repository, stored encrypted and never "
        "returned. Left out: the saved token, if any, is used.",
    )


class FindingFilterSerializer(InputSerializer):
    """The findings list's query parameters. A value it does not know is a 400."""

    severity = serializers.ChoiceField(choices=SEVERITY_CHOICES, required=False)
    category = serializers.ChoiceField(choices=CATEGORY_CHOICES, required=False)


class FindingTriageInputSerializer(InputSerializer):
    state = serializers.ChoiceField(
        choices=FindingTriage.State.choices,
        help_text="false_positive: not a real problem (left out of counts and checklist "
        "gaps); accepted_risk: real, and the agency accepts it (still counted, marked).",
    )
    reason = serializers.CharField(
        max_length=FindingTriage.REASON_MAX_LENGTH,
        help_text="Why, for whoever reads it later (1 to 500 characters). Never paste the "
        "secret itself.",
    )
