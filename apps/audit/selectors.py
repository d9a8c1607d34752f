"""Reading the audit trail: an agency's events, and a person's own account events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model, QuerySet
from django.utils import timezone

from apps.audit.models import AuditEvent


def audit_event_list(
    *,
    agency: Model,
    verb: str | None = None,
    actor: AbstractBaseUser | None = None,
    since: date | None = None,
    until: date | None = None,
    tz: tzinfo | None = None,
) -> QuerySet[AuditEvent]:
    """The agency's events, newest first; dates are whole days in the viewer's time zone."""
    qs = AuditEvent.objects.for_agency(agency).select_related("actor")
    if verb:
        qs = qs.filter(verb=verb)
    if actor is not None:
        qs = qs.filter(actor_id=actor.pk)
    tz = tz or timezone.get_current_timezone()
    if since:
        qs = qs.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        qs = qs.filter(
            created_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
        )
    return qs.order_by("-created_at", "-id")


def account_event_list(*, user: AbstractBaseUser, limit: int = 20) -> QuerySet[AuditEvent]:
    """A person's own sign-ins, failed sign-ins and account changes, newest first."""
    return AuditEvent.objects.filter(actor_id=user.pk, agency__isnull=True).order_by("-created_at")[
        :limit
    ]
