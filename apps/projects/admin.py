"""Operators' admin for engagements, their environments, assignments and grants, and the
activity feed (read-only: assignments and their grants change together in the services)."""

from django.contrib import admin

from apps.accounts.admin_site import OperatorModelAdmin
from apps.projects.models import (
    Activity,
    Assignment,
    Environment,
    Project,
    ProjectGroupObjectPermission,
    ProjectUserObjectPermission,
)


@admin.register(Project)
class ProjectAdmin(OperatorModelAdmin):
    list_display = ["name", "client", "stage", "source_platform", "readiness", "archived_at"]
    list_filter = ["stage", "source_platform"]
    search_fields = ["name", "client__name", "repository_url"]
    list_select_related = ["client"]


@admin.register(Environment)
class EnvironmentAdmin(OperatorModelAdmin):
    list_display = ["project", "kind", "url"]
    list_filter = ["kind"]
    search_fields = ["project__name", "url"]
    list_select_related = ["project"]


@admin.register(Assignment)
class AssignmentAdmin(OperatorModelAdmin):
    list_display = ["project", "membership", "assigned_by", "created_at"]
    search_fields = ["project__name", "membership__user__email"]
    list_select_related = ["project", "membership__user", "assigned_by"]


@admin.register(Activity)
class ActivityAdmin(OperatorModelAdmin):
    list_display = ["created_at", "project", "kind", "field", "actor"]
    list_filter = ["kind"]
    search_fields = ["project__name", "message"]
    list_select_related = ["project", "actor"]


@admin.register(ProjectUserObjectPermission)
class ProjectUserGrantAdmin(OperatorModelAdmin):
    list_display = ["content_object", "user", "permission"]
    search_fields = ["content_object__name", "user__email"]
    list_select_related = ["content_object", "user", "permission__content_type"]


@admin.register(ProjectGroupObjectPermission)
class ProjectGroupGrantAdmin(OperatorModelAdmin):
    list_display = ["content_object", "group", "permission"]
    search_fields = ["content_object__name", "group__name"]
    list_select_related = ["content_object", "group", "permission__content_type"]
