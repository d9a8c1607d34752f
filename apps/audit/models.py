"""The audit trail: append-only records of security-relevant events, written by services."""

import uuid

from django.conf import settings
from django.db import models

from apps.core.models import TenantQuerySet


class Verb(models.TextChoices):
    LOGIN = "auth.login", "Signed in"
    LOGIN_FAILED = "auth.login_failed", "Failed sign-in"
    LOGOUT = "auth.logout", "Signed out"
    PASSWORD_CHANGED = "auth.password_changed", "Password changed"
    PROFILE_UPDATED = "account.profile_updated", "Profile updated"
    AGENCY_CREATED = "agency.created", "Agency created"
    AGENCY_UPDATED = "agency.updated", "Agency settings changed"
    MEMBER_JOINED = "member.joined", "Member joined"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Member role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    INVITATION_CREATED = "invitation.created", "Invitation sent"
    INVITATION_RESENT = "invitation.resent", "Invitation resent"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    API_TOKEN_CREATED = "api_token.created", "API token created"
    API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
    CLIENT_CREATED = "client.created", "Client created"
    CLIENT_UPDATED = "client.updated", "Client changed"
    CLIENT_ARCHIVED = "client.archived", "Client archived"
    PROJECT_CREATED = "project.created", "Engagement created"
    PROJECT_ARCHIVED = "project.archived", "Engagement archived"
    PROJECT_RESTORED = "project.restored", "Engagement restored"
    PROJECT_ASSIGNED = "project.assigned", "Engineer assigned"
    PROJECT_UNASSIGNED = "project.unassigned", "Engineer unassigned"
    CATALOG_ITEM_CREATED = "catalog.created", "Checklist item added to the catalog"
    CATALOG_ITEM_UPDATED = "catalog.updated", "Catalog item changed"
    REPOSITORY_TOKEN_SAVED = "repository.token_saved", "Repository access token saved"
    # Issue 14: rescans on push.
    REPOSITORY_WEBHOOK_CONNECTED = (
        "repository.webhook_connected",
        "Repository push webhook connected",
    )
    REPOSITORY_WEBHOOK_ROTATED = (
        "repository.webhook_rotated",
        "Repository push webhook secret replaced",
    )
    REPOSITORY_WEBHOOK_DISCONNECTED = (
        "repository.webhook_disconnected",
        "Repository push webhook disconnected",
    )
    # Issue 14: triage of scan findings.
    FINDING_TRIAGED = "finding.triaged", "Scan finding triaged"
    FINDING_TRIAGE_UNDONE = "finding.triage_undone", "Scan finding triage undone"
    # Issue 10: the operators' door, account security and privacy rights.
    ADMIN_LOGIN = "admin.login", "Signed in to the operators' admin"
    ADMIN_ADDED = "admin.added", "Added in the operators' admin"
    ADMIN_CHANGED = "admin.changed", "Changed in the operators' admin"
    ADMIN_DELETED = "admin.deleted", "Deleted in the operators' admin"
    MFA_ENROLLED = "auth.mfa_enrolled", "Two-factor authentication turned on"
    MFA_REMOVED = "auth.mfa_removed", "Two-factor authentication turned off"
    EMAIL_CHANGED = "auth.email_changed", "Email address changed"
    SESSIONS_ENDED = "auth.sessions_ended", "Signed out of other sessions"
    MFA_POLICY_CHANGED = "agency.mfa_policy_changed", "Two-factor requirement changed"
    DATA_EXPORTED = "privacy.data_exported", "Personal data exported"
    ACCOUNT_DELETED = "privacy.account_deleted", "Account deleted"
    CLIENT_EXPORTED = "privacy.client_exported", "Client data exported"
    CLIENT_ERASED = "privacy.client_erased", "Client erased"
    RETENTION_PURGED = "privacy.retention_purged", "Old records purged"
    BOOKING_SETTINGS_CHANGED = "booking.settings_changed", "Booking protection changed"
    WEBHOOK_CREATED = "webhook.created", "Webhook endpoint added"
    WEBHOOK_UPDATED = "webhook.updated", "Webhook endpoint changed"
    WEBHOOK_DELETED = "webhook.deleted", "Webhook endpoint deleted"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated", "Webhook signing secret replaced"
    WEBHOOK_DISABLED = "webhook.disabled", "Webhook endpoint switched off after failing"
    DELIVERY_RETRIED = "delivery.retried", "Notification sent again"


class AuditEvent(models.Model):
    """Who did what to what, from where, and when. Rows are only ever inserted.

    `agency` is empty for account events (sign-in, password) that belong to no one agency.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as written at the time so the trail still reads after the account is renamed.
    actor_email = models.CharField(max_length=254, blank=True)
    verb = models.CharField(max_length=40, choices=Verb.choices)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The log's sort key, unique (apps.core.pagination keyset pages).
            models.Index(fields=["agency", "-created_at", "-id"], name="audit_agency_order"),
            models.Index(fields=["agency", "verb", "-created_at"], name="audit_agency_verb"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} by {self.actor_email or 'system'}"
