"""The outbox of everything that leaves the product (docs/architecture.md, "Outbox").

A `Delivery` is one message to one recipient on one channel (email, in-app, webhook), written
by the service that changed the thing it is about, in that service's transaction. The
dispatcher (apps.notifications.dispatch) claims due rows and the delivery task sends each
once: the row is locked while it is sent and `sent_at` is written in the same transaction
that records the attempt, and the dedupe key, unique per agency, keeps a message from ever
being written twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.core.models import TenantOwnedModel, UUIDModel


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    IN_APP = "in_app", "In-app"
    WEBHOOK = "webhook", "Webhook"


class Delivery(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Given up"  # out of attempts, or bad data: `last_error` says which
        DROPPED = "dropped", "Dropped"  # no longer true (a cancelled booking's reminder)

    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=60)  # a key of apps.notifications.kinds
    # Whom: a person (email and in-app), someone the subject names (`audience`: the booker
    # of a booking, the invitee of an invitation, whose address is read from the subject when
    # sending, so no address is copied here), or an endpoint (webhook).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    audience = models.CharField(max_length=20, blank=True)
    endpoint = models.ForeignKey(
        "notifications.WebhookEndpoint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # What it is about: "app_label.model" and the row's id (a booking, a scan...).
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    # Ids and versions for email and in-app (what to say is read when sending); a webhook's
    # body as it was when the event happened.
    payload = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The dispatcher's claim: no other dispatch takes the row until it runs out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "dedupe_key"], name="notifications_delivery_dedupe"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notifications_delivery_sent_has_time",
            ),
        ]
        indexes = [
            # The dispatcher's query: due pending rows, oldest first.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending"),
                name="notifications_delivery_due",
            ),
            models.Index(fields=["subject_type", "subject_id"], name="notifications_subject"),
            models.Index(
                fields=["agency", "status", "-created_at"], name="notifications_by_status"
            ),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"

    @property
    def recipient(self) -> str:
        if self.endpoint_id:
            return f"endpoint {self.endpoint_id}"
        return self.audience or (f"user {self.user_id}" if self.user_id else "?")


class Notification(TenantOwnedModel):
    """An in-app notice in a member's notification centre (the in-app channel's delivery)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["agency", "user", "-created_at", "-id"], name="notifications_inbox"
            ),
            models.Index(
                fields=["agency", "user"],
                condition=models.Q(read_at__isnull=True),
                name="notifications_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EmailOptOut(UUIDModel):
    """A person switched one kind of email off (everywhere: preferences are the person's,
    not an agency's), or someone without an account (a booker) unsubscribed from one kind
    for one subject. Kinds that must reach them (security mail, booking confirmations)
    cannot be switched off (kinds.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="email_opt_outs",
    )
    kind = models.CharField(max_length=60)
    # For someone with no account: the subject they unsubscribed from (one booking's
    # reminders), never their address.
    subject_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(subject_id=""),
                name="notifications_optout_person_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "subject_id"],
                condition=models.Q(user__isnull=True),
                name="notifications_optout_subject_once",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(subject_id=""),
                name="notifications_optout_has_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: no {self.kind}"


class WebhookEndpoint(TenantOwnedModel):
    """An HTTPS address an agency admin registered, with the events it wants."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    # HMAC-SHA256 key, encrypted with the key ring (apps.core.crypto); shown once.
    secret_encrypted = models.TextField()
    is_active = models.BooleanField(default=True)
    # Since when every delivery has failed (cleared by a success); a day of it switches the
    # endpoint off.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["agency", "is_active"], name="notifications_endpoints")]

    def __str__(self) -> str:
        return self.url


class WebhookAttempt(TenantOwnedModel):
    """One POST of a webhook delivery: what the endpoint answered, for the admin's log."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="webhook_attempts"
    )
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="attempts")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["endpoint", "-created_at", "-id"], name="notifications_attempts")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        from apps.notifications.webhooks import is_success  # noqa: PLC0415 - webhooks imports models

        return is_success(self.status_code)
