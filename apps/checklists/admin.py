"""Operators' admin for the catalog (its releases, shared and agencies' own items) and each
engagement's items, evidence, comments and readiness history, read-only: the catalog comes
from its files (`load_catalog`), items change in the app."""

from django.contrib import admin

from apps.accounts.admin_site import OperatorModelAdmin
from apps.checklists.models import (
    CatalogItem,
    CatalogRelease,
    Comment,
    Evidence,
    ProjectItem,
    ReadinessSnapshot,
)


@admin.register(CatalogRelease)
class CatalogReleaseAdmin(OperatorModelAdmin):
    list_display = ["version", "loaded_at", "item_count", "added", "updated", "retired"]


@admin.register(CatalogItem)
class CatalogItemAdmin(OperatorModelAdmin):
    """Empty agency: the shared catalog."""

    list_display = ["key", "title", "category", "severity", "level", "retired_at"]
    list_filter = ["category", "severity", "level"]
    search_fields = ["key", "title"]


@admin.register(ProjectItem)
class ProjectItemAdmin(OperatorModelAdmin):
    list_display = ["title", "project", "status", "severity", "assignee", "due_date"]
    list_filter = ["status", "severity", "category"]
    search_fields = ["title", "key", "project__name"]
    list_select_related = ["project", "assignee__user"]


@admin.register(Evidence)
class EvidenceAdmin(OperatorModelAdmin):
    list_display = ["__str__", "item", "added_by", "created_at"]
    search_fields = ["url", "note", "item__title"]
    list_select_related = ["item", "added_by"]


@admin.register(Comment)
class CommentAdmin(OperatorModelAdmin):
    list_display = ["__str__", "item", "author", "created_at"]
    search_fields = ["body", "item__title"]
    list_select_related = ["item", "author"]


@admin.register(ReadinessSnapshot)
class ReadinessSnapshotAdmin(OperatorModelAdmin):
    list_display = ["project", "day", "overall"]
    search_fields = ["project__name"]
    list_select_related = ["project"]
    date_hierarchy = "day"
