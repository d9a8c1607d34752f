"""Reads for the notification pages."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.accounts.models import User
from apps.agencies.models import Agency
from apps.notifications.models import (
    Delivery,
    EmailOptOut,
    Notification,
    WebhookAttempt,
    WebhookEndpoint,
)

INBOX_SIZE = 50


def inbox(*, agency: Agency, user: User, unread_only: bool = False) -> list[Notification]:
    rows = Notification.objects.for_agency(agency).filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return list(rows.order_by("-created_at", "-id")[:INBOX_SIZE])


def unread_count(*, agency: Agency, user: User) -> int:
    return Notification.objects.for_agency(agency).filter(user=user, read_at__isnull=True).count()


def switched_off(*, user: User) -> frozenset[str]:
    """The kinds of email the person switched off."""
    rows = EmailOptOut.objects.filter(user=user, subject_id="").values_list("kind", flat=True)
    return frozenset(rows)


def roles_of(*, user: User) -> set[str]:
    return set(user.memberships.values_list("role", flat=True))


def endpoints(*, agency: Agency) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_agency(agency).order_by("created_at", "id")


def endpoint_attempts(
    *, agency: Agency, endpoint: WebhookEndpoint, limit: int = 50
) -> list[WebhookAttempt]:
    return list(
        WebhookAttempt.objects.for_agency(agency)
        .filter(endpoint=endpoint)
        .select_related("delivery")
        .order_by("-created_at", "-id")[:limit]
    )


def deliveries(*, agency: Agency, status: str | None = None, limit: int = 100) -> list[Delivery]:
    rows = Delivery.objects.for_agency(agency).select_related("user", "endpoint")
    # Without a status: everything not sent (what an admin comes to look at).
    rows = rows.filter(status=status) if status else rows.exclude(status=Delivery.Status.SENT)
    return list(rows.order_by("-created_at", "-id")[:limit])


def delivery_counts(*, agency: Agency) -> dict[str, int]:
    rows = Delivery.objects.for_agency(agency).values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(Delivery.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
