"""Free slots, computed once for every caller: the booking and manage pages (a picked
host's times included), the public API and the booking service all ask `available_slots`.
It builds the slot engine's inputs (`slots.Host`: schedule, overrides, busy time, round-robin
counts) for a consultation type's hosts in a fixed number of queries whatever the number of
hosts and bookings; the engine applies minimum notice and the booking window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import overload
from uuid import UUID

from django.db.models import Count
from django.utils import timezone

from apps.agencies.models import Membership
from apps.bookings import slots
from apps.bookings.models import Booking, ConsultationHost, ConsultationType, Schedule
from apps.bookings.slots import Refusal, Slot

# Busy time is loaded this far either side of the window: a booking just outside it can
# still block a slot inside through its buffers, and the daily cap counts a whole local day.
_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class Calendar:
    """Everything the slot engine needs for one consultation type over one window."""

    rules: slots.SlotRules
    hosts: list[slots.Host]
    memberships: dict[str, Membership]  # host id -> Membership: who a slot's host ids are


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
    host_ids: Sequence[UUID | str] | None = None,
    exclude_booking: Booking | None = None,
    now: datetime | None = None,
) -> Calendar:
    """The type's hosts (optionally only some) with their busy time around [start, end).
    `exclude_booking` leaves one booking out, so that rescheduling can move it; `now` is
    when round-robin counts "upcoming" from."""
    agency = consultation_type.agency
    host_rows = (
        ConsultationHost.objects.for_agency(agency)
        .filter(consultation_type=consultation_type)
        .select_related("membership__user")
    )
    if host_ids is not None:
        host_rows = host_rows.filter(membership_id__in=host_ids)
    hosts = list(host_rows)
    member_ids = [h.membership_id for h in hosts]
    schedules = {
        s.membership_id: s
        for s in Schedule.objects.for_agency(agency)
        .filter(membership_id__in=member_ids)
        .prefetch_related("weekly", "overrides")
    }
    now = now or timezone.now()
    # Live holds (awaiting the booker's emailed confirmation) take time like bookings do.
    busy = (
        Booking.objects.for_agency(agency)
        .blocking(now)
        .filter(
            host_id__in=member_ids,
            blocked_start__lt=end + _MARGIN,
            blocked_end__gt=start - _MARGIN,
        )
        .only("host_id", "start", "end", "blocked_start", "blocked_end", "consultation_type_id")
    )
    if exclude_booking is not None:
        busy = busy.exclude(pk=exclude_booking.pk)
    busy_by_host: defaultdict[object, list[slots.Busy]] = defaultdict(list)
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
        .blocking(now)
        .filter(host_id__in=member_ids, start__gte=now)
        .values_list("host_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    engine_hosts: list[slots.Host] = []
    memberships: dict[str, Membership] = {}
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


# The one instant a booking asks about: a query window holds the starts in [start, end).
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class FreeSlots(Sequence[Slot]):
    """The free slots of one query, in order (a sequence of `Slot`), with the
    memberships their host ids stand for, and the reason a start that is not among them was
    refused."""

    slots: list[Slot]
    calendar: Calendar
    now: datetime

    @property
    def hosts(self) -> Mapping[str, Membership]:
        """Host id -> membership, for every bookable host of the query."""
        return self.calendar.memberships

    @overload
    def __getitem__(self, index: int) -> Slot: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Slot]: ...
    def __getitem__(self, index: int | slice) -> Slot | Sequence[Slot]:
        return self.slots[index]

    def __len__(self) -> int:
        return len(self.slots)

    def __iter__(self) -> Iterator[Slot]:
        return iter(self.slots)

    def at(self, start: datetime) -> Slot | None:
        return next((slot for slot in self.slots if slot.start == start), None)

    def refusal(self, start: datetime) -> Refusal:
        """Why nobody can take `start`: the same answer from every host is the booker's
        answer; otherwise the time is bookable in principle and simply gone."""
        if not self.calendar.hosts:
            return Refusal.OUTSIDE_AVAILABILITY
        reasons = set()
        for host in self.calendar.hosts:
            verdict = slots.slot_is_available(
                rules=self.calendar.rules, host=host, start=start, now=self.now
            )
            if verdict is not True:
                reasons.add(verdict)
        return reasons.pop() if len(reasons) == 1 else Refusal.CONFLICT


def available_slots(
    consultation_type: ConsultationType,
    *,
    start: datetime,
    end: datetime | None = None,
    host_ids: Sequence[UUID | str] | None = None,
    exclude_booking: Booking | None = None,
    now: datetime | None = None,
) -> FreeSlots:
    """Free starts in [start, end) with any of the type's hosts, or only those in
    `host_ids`; without `end`, whether `start` itself is free (the booking service's
    question). `exclude_booking` leaves one booking out, so that rescheduling can move it."""
    now = now or timezone.now()
    end = end or start + _INSTANT
    calendar = calendar_for(
        consultation_type,
        start=start,
        end=end,
        host_ids=host_ids,
        exclude_booking=exclude_booking,
        now=now,
    )
    found = slots.compute_slots(
        rules=calendar.rules, hosts=calendar.hosts, start=start, end=end, now=now
    )
    return FreeSlots(slots=found, calendar=calendar, now=now)
