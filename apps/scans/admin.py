"""Operators' admin for repository scans, their findings and repository access, read-only:
scans run through the queue, and an access token is never shown (only its last four
characters), nor a scan's lease token."""

from django.contrib import admin

from apps.accounts.admin_site import OperatorModelAdmin
from apps.scans.models import (
    FindingTriage,
    RepositoryAccess,
    RepositoryPushDelivery,
    RepositoryWebhook,
    Scan,
    ScanFinding,
)


@admin.register(RepositoryAccess)
class RepositoryAccessAdmin(OperatorModelAdmin):
    list_display = ["project", "token_hint", "updated_by", "updated_at"]
    search_fields = ["project__name"]
    list_select_related = ["project", "updated_by"]
    secret_fields = ("token_encrypted",)


@admin.register(Scan)
class ScanAdmin(OperatorModelAdmin):
    list_display = ["created_at", "project", "status", "trigger", "failure_code", "finished_at"]
    list_filter = ["status", "trigger", "failure_code"]
    search_fields = ["project__name", "repository_url", "commit_sha"]
    list_select_related = ["project"]
    secret_fields = ("run_token",)
    date_hierarchy = "created_at"


@admin.register(ScanFinding)
class ScanFindingAdmin(OperatorModelAdmin):
    list_display = ["rule_id", "severity", "category", "scan", "path", "line"]
    list_filter = ["severity", "category"]
    search_fields = ["rule_id", "path", "fingerprint"]
    list_select_related = ["scan"]


@admin.register(FindingTriage)
class FindingTriageAdmin(OperatorModelAdmin):
    list_display = ["rule_id", "key", "state", "project", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["rule_id", "key", "project__name"]
    list_select_related = ["project", "decided_by"]


@admin.register(RepositoryWebhook)
class RepositoryWebhookAdmin(OperatorModelAdmin):
    list_display = ["project", "created_by", "created_at", "secret_rotated_at"]
    search_fields = ["project__name"]
    list_select_related = ["project", "created_by"]
    # The address's id is as good as half the credential: neither it nor the secret is shown.
    secret_fields = ("secret_encrypted", "public_id")


@admin.register(RepositoryPushDelivery)
class RepositoryPushDeliveryAdmin(OperatorModelAdmin):
    list_display = ["created_at", "webhook", "provider", "event", "outcome", "commit_sha"]
    list_filter = ["provider", "outcome"]
    search_fields = ["delivery_id", "commit_sha"]
    list_select_related = ["webhook__project"]
