"""The checklist catalog, each engagement's checklist built from it, and readiness history."""

from __future__ import annotations

from typing import ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.agencies.models import Agency
from apps.core.models import TenantOwnedModel, TenantQuerySet, UUIDModel
from apps.core.tenancy import check_agency


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Level(models.TextChoices):
    BRONZE = "bronze", "Bronze"
    SILVER = "silver", "Silver"
    GOLD = "gold", "Gold"


class ItemStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class CatalogRelease(models.Model):
    """One load of the catalog files: which version, when, and what it changed."""

    version = models.PositiveIntegerField(unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    item_count = models.PositiveIntegerField()
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    retired = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Catalog v{self.version}"


class CatalogItemQuerySet(TenantQuerySet["CatalogItem"]):
    def available_to(self, agency: Agency) -> Self:
        """The shared catalog plus the agency's own items, minus retired ones."""
        check_agency(agency)
        return self.filter(Q(agency__isnull=True) | Q(agency=agency), retired_at__isnull=True)


class CatalogItem(UUIDModel):
    """A template item. Shared items (agency empty) come from the catalog files; an agency's
    own items carry its id. Keys are stable forever; a removed item is retired, not deleted."""

    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=80)
    category = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    guidance = models.TextField(max_length=4000)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.BRONZE)
    target = models.CharField(max_length=80, blank=True)
    target_metric = models.JSONField(null=True, blank=True)
    tiers = models.JSONField(default=list, blank=True)
    frameworks = models.JSONField(default=list, blank=True)
    platforms = models.JSONField(default=list, blank=True)
    catalog_version = models.PositiveIntegerField(default=1)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CatalogItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(agency__isnull=True),
                name="catalog_key_unique_shared",
                violation_error_message="The shared catalog already has this key.",
            ),
            models.UniqueConstraint(
                fields=["agency", "key"],
                condition=Q(agency__isnull=False),
                name="catalog_key_unique_per_agency",
                violation_error_message="Your catalog already has an item with this key.",
            ),
        ]
        indexes = [models.Index(fields=["agency", "category"], name="catalog_agency_category")]

    def __str__(self) -> str:
        return self.key

    def applies_to_project(self, project) -> bool:
        return self.applies_to(
            tier=project.tier, frameworks=project.compliance, platform=project.source_platform
        )

    def applies_to(self, *, tier: str, frameworks: list[str], platform: str) -> bool:
        """The guide's applicability: an empty list means "always"; frameworks need overlap."""
        if self.retired_at is not None:
            return False
        if self.tiers and tier not in self.tiers:
            return False
        if self.frameworks and not set(self.frameworks) & set(frameworks):
            return False
        return not (self.platforms and platform not in self.platforms)


class ProjectItemQuerySet(TenantQuerySet["ProjectItem"]):
    def current(self) -> Self:
        """Items that apply to the engagement's present profile."""
        return self.filter(retired_at__isnull=True)

    def open(self) -> Self:
        return self.current().filter(status__in=[ItemStatus.TODO, ItemStatus.IN_PROGRESS])


ProjectItemManager = models.Manager.from_queryset(ProjectItemQuerySet)


class ProjectItem(TenantOwnedModel):
    """One checklist item of one engagement. Category, title, severity and level are copied
    from the catalog when the item is created, so a later catalog release never changes an
    engagement's readiness history."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="checklist_items"
    )
    catalog_item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=80)
    category = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    level = models.CharField(max_length=8, choices=Level.choices)
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.TODO)
    not_applicable_reason = models.CharField(max_length=500, blank=True)
    assignee = models.ForeignKey(
        "agencies.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checklist_items",
    )
    due_date = models.DateField(null=True, blank=True)
    # Set by repository scans (apps.scans): a passing rule proves the item, a failing one
    # leaves a gap described here.
    verified_by_scan_at = models.DateTimeField(null=True, blank=True)
    scan_gap = models.CharField(max_length=500, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    # When a profile change made the item stop applying; its work is kept, not deleted.
    retired_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ProjectItemManager] = ProjectItemManager()

    @classmethod
    def from_catalog(cls, catalog_item: CatalogItem, **fields) -> ProjectItem:
        """A new item with what it copies from its catalog item; `fields` give the rest."""
        return cls(
            catalog_item_id=catalog_item.pk,
            key=catalog_item.key,
            category=catalog_item.category,
            title=catalog_item.title,
            severity=catalog_item.severity,
            level=catalog_item.level,
            **fields,
        )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "catalog_item"], name="project_item_once_per_catalog_item"
            ),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.NOT_APPLICABLE) | ~Q(not_applicable_reason=""),
                name="project_item_na_needs_reason",
                violation_error_message="Say why the item does not apply.",
            ),
        ]
        indexes = [
            # The checklist's reading order, unique (apps.core.api cursor pagination).
            models.Index(
                fields=["agency", "project", "category", "key", "id"], name="item_project_order"
            ),
            models.Index(fields=["agency", "assignee", "due_date"], name="item_assignee_due"),
            models.Index(fields=["agency", "status", "due_date"], name="item_status_due"),
            # Overdue lists walk an agency's open items by due date and stop at the first page.
            models.Index(
                fields=["agency", "due_date"],
                condition=Q(status__in=["todo", "in_progress"], retired_at__isnull=True),
                name="item_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Evidence(TenantOwnedModel):
    """Proof that an item is done: a link (a PR, a dashboard, a report) or a note."""

    item = models.ForeignKey(ProjectItem, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=500, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(note=""),
                name="evidence_needs_link_or_note",
                violation_error_message="Add a link or a note.",
            ),
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url or self.note[:60]


class Comment(TenantOwnedModel):
    item = models.ForeignKey(ProjectItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=4000)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:60]


class ReadinessSnapshot(TenantOwnedModel):
    """An engagement's readiness on one day (the last value of the day), for the chart."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="readiness_snapshots"
    )
    day = models.DateField()
    overall = models.DecimalField(max_digits=5, decimal_places=2)
    categories = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "day"], name="readiness_one_per_day"),
        ]
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.day}: {self.overall}"
