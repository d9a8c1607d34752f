"""Engagements (one client's prototype, walked to production), who works on them, and what
happened to them. An engagement is a `Project` in the code."""

from __future__ import annotations

from typing import ClassVar, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.models import TenantOwnedModel, TenantQuerySet
from apps.projects import limits
from apps.projects.profile import Framework, Platform, Stage, Tier, recommend_tier


class ProjectQuerySet(TenantQuerySet["Project"]):
    def active(self) -> Self:
        return self.filter(archived_at__isnull=True)


ProjectManager = models.Manager.from_queryset(ProjectQuerySet)


class Project(TenantOwnedModel):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=limits.NAME_MAX_LENGTH)
    description = models.TextField(max_length=limits.DESCRIPTION_MAX_LENGTH, blank=True)
    source_platform = models.CharField(
        max_length=16, choices=Platform.choices, default=Platform.OTHER
    )
    repository_url = models.URLField(max_length=limits.URL_MAX_LENGTH, blank=True)
    stack = models.JSONField(
        default=list, blank=True, help_text="Technologies, e.g. React, Supabase"
    )
    users_at_launch = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(limits.MAX_USERS)]
    )
    users_in_a_year = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(limits.MAX_USERS)]
    )
    compliance = models.JSONField(default=list, blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.DISCOVERY)
    target_launch = models.DateField(null=True, blank=True)
    # An admin may size the architecture differently from the user estimate, with a reason.
    tier_override = models.CharField(max_length=8, choices=Tier.choices, blank=True)
    tier_override_reason = models.CharField(max_length=limits.TIER_REASON_MAX_LENGTH, blank=True)
    tier_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Readiness and the open-item count are kept current by the checklist services, so list
    # pages show them without aggregating every engagement's items on each request.
    readiness = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Applicable items not yet done (to do or in progress), kept with readiness.
    open_items = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # "", "daily" or "weekly": rescans queued by beat (apps.scans.services).
    scan_schedule = models.CharField(max_length=8, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ProjectManager] = ProjectManager()

    class Meta:
        permissions = [("work_on_project", "Work on the engagement's checklist and scans")]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier_override="") | ~Q(tier_override_reason=""),
                name="project_tier_override_needs_reason",
                violation_error_message="Give a reason for overriding the recommended tier.",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "archived_at", "stage"], name="project_agency_stage"),
            models.Index(fields=["agency", "client"], name="project_agency_client"),
            models.Index(fields=["agency", "-last_activity_at"], name="project_agency_activity"),
            # The API list's sort key, unique (apps.core.api cursor pagination).
            models.Index(fields=["agency", "-created_at", "-id"], name="project_agency_order"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tier_recommendation(self):
        return recommend_tier(
            users_at_launch=self.users_at_launch, users_in_a_year=self.users_in_a_year
        )

    @property
    def tier(self) -> str:
        return self.tier_override or self.tier_recommendation.tier

    def get_tier_display(self) -> str:
        return Tier(self.tier).label

    @property
    def compliance_labels(self) -> list[str]:
        return [Framework(code).label for code in self.compliance if code in Framework.values]


class ProjectUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's per-engagement grants, as a direct foreign key (guardian's advice
    for speed): an assigned engineer holds view_project and work_on_project here."""

    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class Environment(TenantOwnedModel):
    class Kind(models.TextChoices):
        DEVELOPMENT = "development", "Development"
        STAGING = "staging", "Staging"
        PRODUCTION = "production", "Production"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="environments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(max_length=limits.URL_MAX_LENGTH, blank=True)
    notes = models.TextField(max_length=limits.ENVIRONMENT_NOTES_MAX_LENGTH, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind"],
                name="environment_one_per_kind",
                violation_error_message="This engagement already has that environment.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.project_id}"


class Assignment(TenantOwnedModel):
    """An engineer working on an engagement. The guardian grant is its authorisation twin;
    both are written and removed together by projects.services."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    membership = models.ForeignKey(
        "agencies.Membership", on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "membership"],
                name="assignment_once_per_member",
                violation_error_message="This engineer is already assigned.",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "membership"], name="assignment_member"),
            models.Index(
                fields=["agency", "project", "created_at", "id"], name="assignment_project_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} on {self.project_id}"


class Activity(TenantOwnedModel):
    """The engagement's feed: every change, with the field, old and new value, and who."""

    class Kind(models.TextChoices):
        PROJECT_CREATED = "project.created", "Engagement created"
        PROJECT_UPDATED = "project.updated", "Engagement changed"
        TIER_OVERRIDDEN = "project.tier", "Architecture tier set"
        ENGINEER_ASSIGNED = "project.assigned", "Engineer assigned"
        ENGINEER_UNASSIGNED = "project.unassigned", "Engineer unassigned"
        CHECKLIST_SYNCED = "checklist.synced", "Checklist updated for the profile"
        ITEM_CHANGED = "item.changed", "Checklist item changed"
        ITEM_EVIDENCE = "item.evidence", "Evidence added"
        ITEM_COMMENT = "item.comment", "Comment"
        ITEM_SIGNED_OFF = "item.signed_off", "Signed off by the client"
        SCAN = "scan", "Repository scan"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    item = models.ForeignKey(
        "checklists.ProjectItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=limits.ACTIVITY_TEXT_MAX_LENGTH, blank=True)
    new_value = models.CharField(max_length=limits.ACTIVITY_TEXT_MAX_LENGTH, blank=True)
    message = models.CharField(max_length=limits.ACTIVITY_TEXT_MAX_LENGTH, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="activity_agency_recent"),
            models.Index(fields=["agency", "project", "-created_at"], name="activity_project"),
            models.Index(fields=["agency", "item", "-created_at"], name="activity_item"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.field}".strip()
