"""API representations of engagements (projects), their assignments and environments, and
the input serializers for listing, creating and changing them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.agencies.models import Membership
from apps.agencies.serializers import MembershipSerializer, UserSummarySerializer
from apps.clients.models import Client
from apps.clients.serializers import ClientSummarySerializer
from apps.core.forms import AgencySerializer
from apps.core.validators import InputDateField
from apps.projects import limits
from apps.projects.models import Assignment, Environment, Project
from apps.projects.profile import Framework, Platform, Stage, Tier

# The model's own ceiling; the database's integer range is checked by full_clean().


def tier_reasoning(project: Project) -> str:
    """Why the engagement has its tier: the admin's reason when overridden, else the rule's."""
    if project.tier_override:
        return project.tier_override_reason
    return project.tier_recommendation.reasoning


class EnvironmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Environment
        fields = ["kind", "url", "notes"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    member = MembershipSerializer(source="membership", read_only=True)
    assigned_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Assignment
        fields = ["id", "member", "assigned_by", "created_at"]
        read_only_fields = fields


class ProjectListSerializer(serializers.ModelSerializer):
    """One row of the engagement list: everything here is loaded by projects.selectors."""

    client = ClientSummarySerializer(read_only=True)
    tier = serializers.ChoiceField(choices=Tier.choices, read_only=True)
    readiness = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True
    )
    open_items = serializers.IntegerField(
        read_only=True, help_text="Checklist items still to do or in progress."
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "client",
            "stage",
            "source_platform",
            "tier",
            "readiness",
            "open_items",
            "target_launch",
            "last_activity_at",
            "archived_at",
            "created_at",
        ]
        read_only_fields = fields


class ProjectSerializer(serializers.ModelSerializer):
    """One engagement with its whole profile, its tier and who works on it."""

    client = ClientSummarySerializer(read_only=True)
    compliance = serializers.ListField(
        child=serializers.ChoiceField(choices=Framework.choices), read_only=True
    )
    stack = serializers.ListField(child=serializers.CharField(), read_only=True)
    tier = serializers.ChoiceField(
        choices=Tier.choices, read_only=True, help_text="The tier in force."
    )
    recommended_tier = serializers.ChoiceField(
        choices=Tier.choices,
        source="tier_recommendation.tier",
        read_only=True,
        help_text="The tier the expected users call for.",
    )
    tier_reasoning = serializers.SerializerMethodField()
    tier_overridden_by = UserSummarySerializer(read_only=True, allow_null=True)
    readiness = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True
    )
    assignments = AssignmentSerializer(many=True, read_only=True)
    environments = EnvironmentSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "client",
            "stage",
            "source_platform",
            "repository_url",
            "stack",
            "users_at_launch",
            "users_in_a_year",
            "compliance",
            "target_launch",
            "tier",
            "recommended_tier",
            "tier_override",
            "tier_override_reason",
            "tier_overridden_by",
            "tier_reasoning",
            "readiness",
            "assignments",
            "environments",
            "last_activity_at",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_tier_reasoning(self, project: Project) -> str:
        return tier_reasoning(project)


class ProjectWriteSerializer(AgencySerializer):
    """Create (POST) or change (PATCH, every field optional) an engagement's profile."""

    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(), pk_field=serializers.UUIDField()
    )
    name = serializers.CharField(max_length=limits.NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=limits.DESCRIPTION_MAX_LENGTH,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
    )
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    source_platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    repository_url = serializers.URLField(
        max_length=limits.URL_MAX_LENGTH, required=False, allow_blank=True
    )
    stack = serializers.ListField(
        child=serializers.CharField(max_length=limits.STACK_ENTRY_MAX_LENGTH),
        max_length=limits.STACK_MAX_ENTRIES,
        required=False,
        help_text=f"Technologies, e.g. React, Supabase (at most {limits.STACK_MAX_ENTRIES}).",
    )
    compliance = serializers.ListField(
        child=serializers.ChoiceField(choices=Framework.choices), required=False
    )
    users_at_launch = serializers.IntegerField(
        min_value=0, max_value=limits.MAX_USERS, required=False, allow_null=True
    )
    users_in_a_year = serializers.IntegerField(
        min_value=0, max_value=limits.MAX_USERS, required=False, allow_null=True
    )
    target_launch = InputDateField(required=False, allow_null=True)


class ProjectTierSerializer(AgencySerializer):
    tier = serializers.ChoiceField(
        choices=Tier.choices,
        allow_blank=True,
        help_text='The tier to use instead of the recommended one; "" goes back to it.',
    )
    reason = serializers.CharField(
        max_length=limits.TIER_REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the engagement needs this tier (required with a tier).",
    )


class AssignmentCreateSerializer(AgencySerializer):
    member = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.select_related("user"),
        pk_field=serializers.UUIDField(),
        help_text="The membership id of an engineer or admin of this agency.",
    )


class ProjectFilterSerializer(AgencySerializer):
    """The list's query parameters. A value it does not know is a 400, not silently ignored."""

    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    client = serializers.UUIDField(required=False, help_text="Only this client's engagements.")
    search = serializers.CharField(
        max_length=100, required=False, help_text="Matches the engagement or client name."
    )
    archived = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: only archived engagements; false (the default): only current ones.",
    )
