"""Helpers the kinds' renderers share: the email layout, links, local times."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any, TypeVar

from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.site import site_url
from apps.notifications.kinds import Drop, Email, Undeliverable
from apps.notifications.models import Delivery

M = TypeVar("M", bound=models.Model)


def absolute(path: str) -> str:
    return site_url() + path


def subject(row: Delivery, model: type[M], *related: str) -> M:
    """The row the delivery is about, read now (in its agency), or Drop when it is gone."""
    found = (
        model.objects.for_agency(row.agency)  # type: ignore[attr-defined]
        .select_related(*related)
        .filter(pk=row.subject_id)
        .first()
    )
    if found is None:
        raise Drop(f"the {model._meta.verbose_name} was deleted")
    return found


def person_email(row: Delivery) -> str:
    """The address of the person a delivery is for."""
    if row.user is None or not row.user.email:
        raise Undeliverable("no person to send to")
    return row.user.email


def local(moment: datetime, zone_name: str) -> str:
    """ "Tuesday 3 March 2026, 14:30 (Europe/Berlin)" in the reader's zone."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone, zone_name = zoneinfo.ZoneInfo("UTC"), "UTC"
    when = timezone.localtime(moment, zone)
    return f"{when:%A %-d %B %Y, %H:%M} ({zone_name})"


def email(*, to: str, subject: str, template: str, context: dict[str, Any], **extra: Any) -> Email:
    """`template`.txt and `template`.html, the HTML inside the shared layout (inline styles,
    no remote images: what common mail clients show as written)."""
    context = {"site_url": site_url(), "subject": subject, **context}
    return Email(
        to=to,
        subject=subject,
        text=render_to_string(f"{template}.txt", context),
        html=render_to_string(f"{template}.html", context),
        **extra,
    )
