"""The daily digest: one email per member per agency at NOTIFY_DIGEST_HOUR (08:00) in the
person's own time zone, DST included. The planner writes the next digest's delivery a day
ahead (its dedupe key is the member and the local date, so planning again changes nothing);
what it says is gathered when it is sent, from the sections the apps above register, and a
digest with nothing to say is not sent."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from apps.agencies.models import Membership
from apps.core.tenancy import cross_agency
from apps.notifications.models import Channel, Delivery

KIND = "digest"
# A digest this late (beat was down) is dropped: the next one is hours away.
STALE_AFTER = timedelta(hours=6)


@dataclass(frozen=True)
class Line:
    text: str
    url: str = ""
    note: str = ""  # "due Thursday", "overdue since 2 March"


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)


# (membership, since, now) -> a section, or None when there is nothing to say.
SectionMaker = Callable[[Membership, datetime, datetime], Section | None]
_sections: list[SectionMaker] = []


def register_section(maker: SectionMaker) -> SectionMaker:
    if maker not in _sections:
        _sections.append(maker)
    return maker


def sections_for(membership: Membership, *, now: datetime) -> list[Section]:
    since = now - timedelta(days=1)
    found = (maker(membership, since, now) for maker in _sections)
    return [section for section in found if section is not None and section.lines]


def zone_of(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def next_digest_at(user, *, now: datetime) -> tuple[date, datetime]:
    """The local date and the instant of the person's next digest hour after `now`."""
    zone = zone_of(user)
    local_now = timezone.localtime(now, zone)
    day = local_now.date()
    at = datetime.combine(day, time(settings.NOTIFY_DIGEST_HOUR), tzinfo=zone)
    if at <= local_now:
        day += timedelta(days=1)
        at = datetime.combine(day, time(settings.NOTIFY_DIGEST_HOUR), tzinfo=zone)
    return day, at


def plan(*, now: datetime | None = None) -> int:
    """Write each active member's next digest delivery (email), if not written yet: one
    read and one insert per thousand members. Returns how many members were planned."""
    now = now or timezone.now()
    with cross_agency("digest planning"):
        members = Membership.objects.filter(user__is_active=True).select_related("user")
        rows = []
        for member in members:
            day, at = next_digest_at(member.user, now=now)
            rows.append(
                Delivery(
                    agency_id=member.agency_id,
                    kind=KIND,
                    channel=Channel.EMAIL,
                    user_id=member.user_id,
                    due_at=at,
                    subject_type="agencies.membership",
                    subject_id=str(member.pk),
                    payload={"date": day.isoformat()},
                    dedupe_key=f"digest:{member.pk}:{day.isoformat()}",
                )
            )
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)
