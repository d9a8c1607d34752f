"""Operators' admin for the outbox: what waits, what was sent, what was given up."""

from django.contrib import admin

from apps.accounts.admin_site import OperatorModelAdmin
from apps.notifications.models import (
    Delivery,
    EmailOptOut,
    Notification,
    WebhookAttempt,
    WebhookEndpoint,
)


@admin.register(Delivery)
class DeliveryAdmin(OperatorModelAdmin):
    list_display = ["created_at", "kind", "channel", "status", "due_at", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind", "agency"]
    search_fields = ["kind", "dedupe_key", "subject_id", "last_error"]
    list_select_related = ["agency"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(OperatorModelAdmin):
    list_display = ["created_at", "kind", "title", "user", "read_at"]
    list_filter = ["kind", "agency"]
    list_select_related = ["agency", "user"]


@admin.register(EmailOptOut)
class EmailOptOutAdmin(OperatorModelAdmin):
    list_display = ["created_at", "kind", "user", "subject_id"]
    list_filter = ["kind"]
    list_select_related = ["user"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OperatorModelAdmin):
    list_display = ["url", "agency", "is_active", "failing_since"]
    list_filter = ["is_active", "agency"]
    list_select_related = ["agency"]
    secret_fields = ("secret_encrypted",)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(OperatorModelAdmin):
    list_display = ["created_at", "endpoint", "status_code", "duration_ms", "error"]
    list_filter = ["agency"]
    list_select_related = ["agency", "endpoint"]
