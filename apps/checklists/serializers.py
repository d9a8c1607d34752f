"""API representations of an engagement's checklist items and readiness, and the input
serializers for filtering and changing items."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.agencies.models import Membership
from apps.agencies.serializers import MembershipSerializer, UserSummarySerializer
from apps.checklists.models import (
    Comment,
    Evidence,
    ItemStatus,
    Level,
    ProjectItem,
    ReadinessSnapshot,
    Severity,
)
from apps.core.forms import AgencySerializer
from apps.core.validators import InputDateField
from apps.projects.profile import Tier

ITEM_STATUS_FILTER_CHOICES = [*ItemStatus.choices, ("open", "Open: to do or in progress")]


class _ItemFieldsSerializer(serializers.ModelSerializer):
    """What list rows and the detail share; all of it comes from item_list's joins."""

    assignee = MembershipSerializer(read_only=True, allow_null=True)
    target = serializers.CharField(
        source="catalog_target", read_only=True, help_text="e.g. API p95 < 100 ms"
    )

    class Meta:
        model = ProjectItem
        fields = [
            "id",
            "key",
            "category",
            "title",
            "severity",
            "level",
            "target",
            "status",
            "not_applicable_reason",
            "assignee",
            "due_date",
            "verified_by_scan_at",
            "completed_at",
            "signed_off_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProjectItemSerializer(_ItemFieldsSerializer):
    evidence_count = serializers.IntegerField(read_only=True)

    class Meta(_ItemFieldsSerializer.Meta):
        fields = [*_ItemFieldsSerializer.Meta.fields, "evidence_count"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    added_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Evidence
        fields = ["id", "url", "note", "added_by", "created_at"]
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "body", "author", "created_at"]
        read_only_fields = fields


class ProjectItemDetailSerializer(_ItemFieldsSerializer):
    """One item with its guidance, evidence and comments (prefetched by item_detail_queryset)."""

    guidance = serializers.CharField(source="catalog_item.guidance", read_only=True)
    signed_off_by = UserSummarySerializer(read_only=True, allow_null=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    comments = CommentSerializer(many=True, read_only=True)

    class Meta(_ItemFieldsSerializer.Meta):
        fields = [
            *_ItemFieldsSerializer.Meta.fields,
            "guidance",
            "signed_off_by",
            "evidence",
            "comments",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.STR)
class MemberOrMeField(serializers.PrimaryKeyRelatedField):
    """A membership id of the agency, or "me" for the member asking."""

    uuid_aliases = ("me",)  # core.api.StrictInputMixin takes it in place of an id

    def to_internal_value(self, data):
        if data == "me":
            return self.context["membership"]
        return super().to_internal_value(data)


class ProjectItemFilterSerializer(AgencySerializer):
    """The item list's query parameters. A value it does not know is a 400."""

    category = serializers.CharField(max_length=40, required=False, help_text="e.g. security")
    status = serializers.ChoiceField(
        choices=ITEM_STATUS_FILTER_CHOICES,
        required=False,
        help_text="One status, or `open` for to do and in progress together.",
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    assignee = MemberOrMeField(
        queryset=Membership.objects.all(),
        pk_field=serializers.UUIDField(),
        required=False,
        help_text='A membership id, or "me".',
    )


class ProjectItemUpdateSerializer(AgencySerializer):
    """The changes to make; fields left out stay as they are."""

    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False)
    not_applicable_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Required when the status is not_applicable.",
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.select_related("user"),
        pk_field=serializers.UUIDField(),
        required=False,
        allow_null=True,
        help_text="The membership id of an engineer or admin, or null to unassign.",
    )
    due_date = InputDateField(required=False, allow_null=True)


class ScoreSerializer(serializers.Serializer):
    percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text="Severity-weighted share done; null when nothing applies.",
    )
    done = serializers.IntegerField()
    total = serializers.IntegerField(help_text="Applicable items (not applicable left out).")
    not_applicable = serializers.IntegerField()
    level = serializers.ChoiceField(
        choices=Level.choices,
        allow_null=True,
        help_text="The highest level whose items are all done, up to this one.",
    )


class ReadinessSerializer(serializers.Serializer):
    overall = ScoreSerializer()
    categories = serializers.DictField(child=ScoreSerializer())
    tier = serializers.ChoiceField(choices=Tier.choices)
    tier_reasoning = serializers.CharField()


class ReadinessSnapshotSerializer(serializers.ModelSerializer):
    overall = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    categories = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True
        ),
        help_text="Percent per category on that day (null: nothing applied).",
    )

    class Meta:
        model = ReadinessSnapshot
        fields = ["day", "overall", "categories"]
        read_only_fields = fields


class ReadinessHistoryFilterSerializer(AgencySerializer):
    since = InputDateField(required=False, help_text="First day, YYYY-MM-DD.")
    until = InputDateField(required=False, help_text="Last day, YYYY-MM-DD.")

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": "Give a day on or after `since`."})
        return attrs
