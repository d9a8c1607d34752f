"""From the database to the slot engine: builds `slots.Host` values (schedule, overrides,
busy time, round-robin counts) for a consultation type's hosts, in a fixed number of queries
whatever the number of hosts and bookings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from apps.bookings import slots
from apps.bookings.models import Booking, ConsultationHost, ConsultationType, Schedule

# Busy time is loaded this far either side of the window: a booking just outside it can
# still block a slot inside through its buffers, and the daily cap counts a whole local day.
_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class Calendar:
    """Everything the slot engine needs for one consultation type over one window."""

    rules: slots.SlotRules
    hosts: list[slots.Host]
    memberships: dict[str, object]  # host id -> Membership, for the booking service


def _hhmm(value: str) -> time:
    return time.fromisoformat(value)


def rules_for(consultation_type: ConsultationType) -> slots.SlotRules:
    return slots.SlotRules(
        duration=timedelta(minutes=consultation_type.duration_minutes),
        interval=timedelta(minutes=consultation_type.interval_minutes),
        buffer_before=timedelta(minutes=consultation_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=consultation_type.buffer_after_minutes),
        minimum_notice=timedelta(minutes=consultation_type.minimum_notice_minutes),
        booking_window=timedelta(days=consultation_type.booking_window_days),
        daily_cap=consultation_type.daily_cap,
    )


def calendar_for(
    consultation_type: ConsultationType,
    *,
    start: datetime,
    end: datetime,
    host_ids: list | None = None,
    exclude_booking=None,
    now: datetime | None = None,
) -> Calendar:
    """The type's hosts (optionally only some) with their busy time around [start, end).
    `exclude_booking` leaves one booking out, so that rescheduling can move it; `now` is
    when round-robin counts "upcoming" from."""
    agency = consultation_type.agency
    hosts = (
        ConsultationHost.objects.for_agency(agency)
        .filter(consultation_type=consultation_type)
        .select_related("membership__user")
    )
    if host_ids is not None:
        hosts = hosts.filter(membership_id__in=host_ids)
    hosts = list(hosts)
    member_ids = [h.membership_id for h in hosts]
    schedules = {
        s.membership_id: s
        for s in Schedule.objects.for_agency(agency)
        .filter(membership_id__in=member_ids)
        .prefetch_related("weekly", "overrides")
    }
    busy = (
        Booking.objects.for_agency(agency)
        .confirmed()
        .filter(
            host_id__in=member_ids,
            blocked_start__lt=end + _MARGIN,
            blocked_end__gt=start - _MARGIN,
        )
        .only("host_id", "start", "end", "blocked_start", "blocked_end", "consultation_type_id")
    )
    if exclude_booking is not None:
        busy = busy.exclude(pk=exclude_booking.pk)
    busy_by_host = defaultdict(list)
    for booking in busy:
        busy_by_host[booking.host_id].append(
            slots.Busy(
                start=booking.start,
                end=booking.end,
                buffer_before=booking.start - booking.blocked_start,
                buffer_after=booking.blocked_end - booking.end,
                counts_toward_cap=booking.consultation_type_id == consultation_type.pk,
            )
        )
    upcoming = dict(
        Booking.objects.for_agency(agency)
        .confirmed()
        .filter(host_id__in=member_ids, start__gte=now or timezone.now())
        .values_list("host_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    engine_hosts, memberships = [], {}
    for host in hosts:
        schedule = schedules.get(host.membership_id)
        if schedule is None:
            continue  # no schedule yet: not bookable
        key = str(host.membership_id)
        memberships[key] = host.membership
        engine_hosts.append(
            slots.Host(
                id=key,
                time_zone=schedule.time_zone,
                weekly=tuple(
                    slots.WeeklyRange(weekday=r.weekday, start=r.start, end=r.end)
                    for r in schedule.weekly.all()
                ),
                overrides=tuple(
                    slots.DateOverride(
                        day=o.day, ranges=tuple((_hhmm(a), _hhmm(b)) for a, b in o.ranges)
                    )
                    for o in schedule.overrides.all()
                ),
                busy=tuple(busy_by_host[host.membership_id]),
                priority=host.priority,
                upcoming_bookings=upcoming.get(host.membership_id, 0),
            )
        )
    return Calendar(rules=rules_for(consultation_type), hosts=engine_hosts, memberships=memberships)


def available_slots(
    consultation_type: ConsultationType,
    *,
    start: datetime,
    end: datetime,
    host_ids: list | None = None,
    now: datetime | None = None,
) -> list[slots.Slot]:
    """Free starts in [start, end) with any of the type's hosts, or only those in `host_ids`."""
    now = now or timezone.now()
    calendar = calendar_for(consultation_type, start=start, end=end, host_ids=host_ids, now=now)
    return slots.compute_slots(
        rules=calendar.rules, hosts=calendar.hosts, start=start, end=end, now=now
    )
