"""Bookable consultation slots, computed in pure Python (no Django, no database).

Given a consultation type's rules and each host's weekly availability, date overrides and
existing bookings, `compute_slots` lists the start times a booker may choose; the booking
service re-checks one requested time with `slot_is_available` (the database's exclusion
constraint remains the final word under concurrency).

Time model, decided here once so that every caller agrees:

* Availability is wall-clock time in the host's zone on a host-local date. Each range is
  converted to UTC for that date with zoneinfo, so it follows the host's DST changes.
* A wall time that does not exist (a spring-forward gap, e.g. 02:30 in New York on
  2025-03-09) resolves to the first instant after the gap, the moment of the jump (03:00
  EDT). This holds for range starts and ends alike, so a range lying wholly inside a gap is
  empty and a range 01:00-03:30 on that day lasts 1.5 real hours.
* A wall time that occurs twice (an autumn fold) resolves to its first occurrence
  (``fold=0``), for starts and ends alike. Wall-to-UTC is then monotonic, so ranges that do
  not overlap on the clock never overlap in UTC: 01:00-02:00 on New York's fall-back day is
  two real hours (01:00 EDT to 02:00 EST), 00:30-01:30 is one (ending at 01:30 EDT), and
  01:30-02:30 runs from 01:30 EDT through the whole second pass (01:00 EST included).
  Both rules say the same thing: a range on date D runs from the first moment the host's
  clock shows D and a time at or after its start, to the first moment it shows D and a time
  at or after its end (or a later date). The property tests check exactly that.
* ``time(0)`` as a range end means 24:00, the end of that local date; it is the only way to
  offer availability up to midnight. Ranges that touch or overlap in UTC (22:00-24:00 on
  Monday and 00:00-02:00 on Tuesday, or 09:00-12:00 and 12:00-17:00) form one continuous
  block, so a slot may run from one into the next; that is what "use two ranges" for a night
  shift is meant to give.
* Candidate starts step by ``rules.interval`` in real (UTC) time from the UTC start of the
  range the slot starts in, so a range that spans a DST change keeps evenly spaced real
  durations and its later wall times shift by the change.
* A slot belongs to a query if its start lies in ``[start, end)``; it may end after ``end``
  (a 23:30 slot still belongs to the booker's day).
* Buffers (the type's and each existing booking's own) only keep bookings apart; they may
  fall outside availability.

Instants are handled internally as integer microseconds since the Unix epoch: that makes the
inner loops plain integer arithmetic and lets ``range()`` generate candidates.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Busy",
    "DateOverride",
    "Host",
    "Refusal",
    "Slot",
    "SlotRules",
    "WeeklyRange",
    "compute_slots",
    "pick_host",
    "slot_is_available",
    "slots_by_local_day",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_MONDAY, _SUNDAY = 0, 6


class Refusal(StrEnum):
    """Why `slot_is_available` refuses a requested start; each member is its own string code."""

    IN_THE_PAST = "in_the_past"
    INSIDE_MINIMUM_NOTICE = "inside_minimum_notice"
    BEYOND_BOOKING_WINDOW = "beyond_booking_window"
    OUTSIDE_AVAILABILITY = "outside_availability"
    MISALIGNED = "misaligned"
    CONFLICT = "conflict"
    DAILY_CAP_REACHED = "daily_cap_reached"


# --- input types ---------------------------------------------------------------------------


def _check_wall_range(start: time, end: time, where: str) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError(f"{where}: times must be naive wall-clock times in the host's zone")
    # time(0) as an end means 24:00, so it is after every start.
    if end != _MIDNIGHT and end <= start:
        raise ValueError(
            f"{where}: end {end.isoformat()} must be after start {start.isoformat()} "
            "(a range cannot cross midnight: split it in two, or end it at time(0) for 24:00)"
        )


def _check_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        # The engine refuses every bad input with ValueError, its one documented error.
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")  # noqa: TRY004
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")


def _check_not_negative(value: timedelta, name: str) -> None:
    if value < timedelta(0):
        raise ValueError(f"{name} must not be negative, got {value}")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown time zone {name!r}: expected an IANA name") from None


@dataclass(frozen=True)
class WeeklyRange:
    """A host's recurring availability on one weekday, in the host's own time zone.

    ``end`` must be after ``start``; ``end=time(0)`` means 24:00 (the end of the day).
    """

    weekday: int  # 0 = Monday ... 6 = Sunday
    start: time
    end: time

    def __post_init__(self) -> None:
        if not _MONDAY <= self.weekday <= _SUNDAY:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        _check_wall_range(self.start, self.end, f"weekly range on weekday {self.weekday}")


@dataclass(frozen=True)
class DateOverride:
    """Replaces the weekly schedule on one local date of the host; no ranges = a day off."""

    day: date
    ranges: tuple[tuple[time, time], ...]

    def __post_init__(self) -> None:
        for start, end in self.ranges:
            _check_wall_range(start, end, f"override on {self.day.isoformat()}")


@dataclass(frozen=True)
class Busy:
    """An existing booking of the host (any consultation type). Any aware zone is accepted."""

    start: datetime
    end: datetime
    buffer_before: timedelta = timedelta(0)  # that booking's own buffers also block time
    buffer_after: timedelta = timedelta(0)
    counts_toward_cap: bool = True  # a booking of this consultation type

    def __post_init__(self) -> None:
        _check_aware(self.start, "busy start")
        _check_aware(self.end, "busy end")
        if self.end <= self.start:
            raise ValueError(
                f"busy end {self.end.isoformat()} must be after start {self.start.isoformat()}"
            )
        _check_not_negative(self.buffer_before, "busy buffer_before")
        _check_not_negative(self.buffer_after, "busy buffer_after")


@dataclass(frozen=True)
class Host:
    """A person who can take the consultation, with their calendar."""

    id: str
    time_zone: str  # IANA name, e.g. "Europe/Berlin"
    weekly: tuple[WeeklyRange, ...]
    overrides: tuple[DateOverride, ...] = ()
    busy: tuple[Busy, ...] = ()
    priority: int = 0  # higher wins ties in round-robin
    upcoming_bookings: int = 0  # for round-robin fairness

    def __post_init__(self) -> None:
        _zone(self.time_zone)
        days = [override.day for override in self.overrides]
        if len(days) != len(set(days)):
            raise ValueError(f"host {self.id!r} has more than one override for the same date")


@dataclass(frozen=True)
class SlotRules:
    """A consultation type's scheduling rules."""

    duration: timedelta
    interval: timedelta  # spacing of candidate starts, from the start of the availability range
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(0)  # no slot starting before now + notice
    booking_window: timedelta = timedelta(days=60)  # no slot starting after now + window
    daily_cap: int | None = None  # bookings of this type per host per host-local day

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError(f"duration must be positive, got {self.duration}")
        if self.interval <= timedelta(0):
            raise ValueError(f"interval must be positive, got {self.interval}")
        for name in ("buffer_before", "buffer_after", "minimum_notice", "booking_window"):
            _check_not_negative(getattr(self, name), name)
        if self.daily_cap is not None and self.daily_cap < 1:
            raise ValueError(f"daily_cap must be None (no cap) or at least 1, got {self.daily_cap}")


@dataclass(frozen=True)
class Slot:
    """A bookable time and the hosts free for it, best round-robin candidate first."""

    start: datetime  # aware UTC
    end: datetime
    host_ids: tuple[str, ...]


# --- time conversion -----------------------------------------------------------------------


def _to_us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _offset_at(seconds: int, zone: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(seconds, tz=zone).utcoffset()


def _wall_to_us(day: date, wall: time, zone: ZoneInfo) -> int:
    """The UTC instant of a wall time on a local date: first occurrence in a fold, the moment
    of the jump in a gap (see the module docstring)."""
    naive = datetime.combine(day, wall).replace(fold=0)
    first = naive.replace(tzinfo=zone).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return _to_us(first)
    # In a gap zoneinfo reads fold=0 with the offset before the jump and fold=1 with the one
    # after, which bracket the jump; transitions fall on whole seconds, so bisect on seconds.
    later_offset = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low = _to_us(later_offset) // 1_000_000  # offset before the jump applies here
    high = -(-_to_us(first) // 1_000_000)  # and the one after the jump here
    after = _offset_at(high, zone)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(middle, zone) == after:
            high = middle
        else:
            low = middle
    return high * 1_000_000


def _local_day(us: int, zone: ZoneInfo) -> date:
    return _from_us(us).astimezone(zone).date()


def _round_robin_key(host: Host) -> tuple[int, int, str]:
    return (host.upcoming_bookings, -host.priority, host.id)


# --- one host's calendar -------------------------------------------------------------------


class _HostCalendar:
    """A host's availability and bookings prepared for one rule set: busy intervals widened by
    both sets of buffers and merged, and the local dates on which the daily cap is reached."""

    __slots__ = ("busy_ends", "busy_starts", "capped_days", "host", "overrides", "weekly", "zone")

    def __init__(self, host: Host, rules: SlotRules) -> None:
        self.host = host
        self.zone = _zone(host.time_zone)
        weekly: list[list[tuple[time, time]]] = [[] for _ in range(7)]
        for weekly_range in host.weekly:
            weekly[weekly_range.weekday].append((weekly_range.start, weekly_range.end))
        self.weekly = weekly
        self.overrides = {override.day: override.ranges for override in host.overrides}

        # Folding the type's buffers into each booking lets a candidate be tested as the bare
        # [start, start + duration): [s - bb, s + d + ba) meets [b0, b1) iff [s, s + d) meets
        # [b0 - ba, b1 + bb).
        type_before = _to_us_delta(rules.buffer_before)
        type_after = _to_us_delta(rules.buffer_after)
        widened = sorted(
            (
                _to_us(busy.start) - _to_us_delta(busy.buffer_before) - type_after,
                _to_us(busy.end) + _to_us_delta(busy.buffer_after) + type_before,
            )
            for busy in host.busy
        )
        starts: list[int] = []
        ends: list[int] = []
        for busy_start, busy_end in widened:
            if ends and busy_start <= ends[-1]:
                ends[-1] = max(ends[-1], busy_end)
            else:
                starts.append(busy_start)
                ends.append(busy_end)
        self.busy_starts = starts
        self.busy_ends = ends

        self.capped_days: frozenset[date] = frozenset()
        if rules.daily_cap is not None:
            per_day = Counter(
                busy.start.astimezone(self.zone).date()
                for busy in host.busy
                if busy.counts_toward_cap
            )
            self.capped_days = frozenset(
                day for day, count in per_day.items() if count >= rules.daily_cap
            )

    def wall_ranges(self, day: date) -> Iterable[tuple[time, time]]:
        override = self.overrides.get(day)
        return override if override is not None else self.weekly[day.weekday()]

    def availability(self, first_day: date, last_day: date) -> list[tuple[int, int, int]]:
        """(start, end, end of the continuous block it belongs to) for each non-empty range of
        the local dates first_day..last_day, sorted by start, in UTC microseconds."""
        ranges: list[tuple[int, int]] = []
        day = first_day
        while day <= last_day:
            for wall_start, wall_end in self.wall_ranges(day):
                start = _wall_to_us(day, wall_start, self.zone)
                if wall_end == _MIDNIGHT:
                    end = _wall_to_us(day + _ONE_DAY, _MIDNIGHT, self.zone)
                else:
                    end = _wall_to_us(day, wall_end, self.zone)
                if end > start:  # a range wholly inside a DST gap is empty
                    ranges.append((start, end))
            day += _ONE_DAY
        ranges.sort()

        result: list[tuple[int, int, int]] = []
        block_first = 0
        block_end = None
        for index, (start, end) in enumerate(ranges):
            if block_end is None or start > block_end:
                self._close_block(result, ranges, block_first, index, block_end)
                block_first, block_end = index, end
            else:
                block_end = max(block_end, end)
        self._close_block(result, ranges, block_first, len(ranges), block_end)
        return result

    @staticmethod
    def _close_block(
        result: list[tuple[int, int, int]],
        ranges: list[tuple[int, int]],
        first: int,
        stop: int,
        block_end: int | None,
    ) -> None:
        if block_end is not None:
            result.extend((start, end, block_end) for start, end in ranges[first:stop])

    def day_span(self, low_us: int, high_us: int) -> tuple[date, date]:
        """Local dates whose ranges can hold a slot starting in [low, high) and the blocks it
        runs into: a day of slack each side covers ranges near midnight and DST oddities."""
        return (
            _local_day(low_us, self.zone) - 2 * _ONE_DAY,
            _local_day(high_us, self.zone) + 2 * _ONE_DAY,
        )

    def free_starts(self, low: int, high: int, duration: int, interval: int) -> list[int]:
        """Sorted starts s with low <= s < high that this host can take."""
        first_day, last_day = self.day_span(low, high + duration)
        candidates: list[int] = []
        for range_start, range_end, block_end in self.availability(first_day, last_day):
            last = min(range_end - 1, block_end - duration, high - 1)
            if last < low or last < range_start:
                continue
            steps = 0 if low <= range_start else -(-(low - range_start) // interval)
            candidates.extend(range(range_start + steps * interval, last + 1, interval))
        # Overlapping ranges can offer the same start twice.
        candidates = sorted(set(candidates))

        busy_starts, busy_ends = self.busy_starts, self.busy_ends
        busy_count = len(busy_ends)
        capped_days, zone = self.capped_days, self.zone
        free: list[int] = []
        # Candidates ascend, so the first busy interval that can still block only moves forward.
        index = bisect_right(busy_ends, candidates[0]) if candidates else 0
        for start in candidates:
            while index < busy_count and busy_ends[index] <= start:
                index += 1
            if index < busy_count and busy_starts[index] < start + duration:
                continue
            if capped_days and _local_day(start, zone) in capped_days:
                continue
            free.append(start)
        return free

    def refusal(self, start: int, duration: int, interval: int) -> Refusal | None:
        """Why this host cannot take [start, start + duration), ignoring notice and window."""
        first_day, last_day = self.day_span(start, start + duration)
        containing = [
            (range_start, block_end)
            for range_start, range_end, block_end in self.availability(first_day, last_day)
            if range_start <= start < range_end
        ]
        # Every range containing the start belongs to the same block, so one end decides.
        if not containing or start + duration > containing[0][1]:
            return Refusal.OUTSIDE_AVAILABILITY
        if all((start - range_start) % interval for range_start, _ in containing):
            return Refusal.MISALIGNED
        index = bisect_right(self.busy_ends, start)
        if index < len(self.busy_ends) and self.busy_starts[index] < start + duration:
            return Refusal.CONFLICT
        if _local_day(start, self.zone) in self.capped_days:
            return Refusal.DAILY_CAP_REACHED
        return None


def _to_us_delta(delta: timedelta) -> int:
    return delta // _MICROSECOND


def _bookable_starts(rules: SlotRules, now: datetime) -> tuple[datetime, datetime]:
    """The first and the last instant a slot may start at: minimum notice and booking window
    are applied here and only here, for listing and checking alike. The window's last instant
    is itself bookable."""
    return now + rules.minimum_notice, now + rules.booking_window


def _check_hosts(hosts: Sequence[Host]) -> None:
    ids = [host.id for host in hosts]
    if len(ids) != len(set(ids)):
        raise ValueError("host ids must be unique")


# --- public functions ----------------------------------------------------------------------


def compute_slots(
    *,
    rules: SlotRules,
    hosts: Sequence[Host],
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Slot]:
    """Bookable slots starting in [start, end), sorted by start, each listing the hosts free
    for it, best round-robin candidate first.

    `start`, `end` and `now` are aware instants (the caller turns the booker's local days into
    UTC). A host can take a slot if it lies inside one continuous stretch of the host's
    availability on the interval grid, does not meet any existing booking (buffers on both
    sides included), respects minimum notice and the booking window, and the host's daily cap
    is not yet reached on the host-local date of the slot's start.
    """
    _check_aware(start, "start")
    _check_aware(end, "end")
    _check_aware(now, "now")
    if end <= start:
        raise ValueError(f"end {end.isoformat()} must be after start {start.isoformat()}")
    _check_hosts(hosts)

    earliest, latest = _bookable_starts(rules, now)
    low = max(_to_us(start), _to_us(earliest))
    high = min(_to_us(end), _to_us(latest) + 1)
    if low >= high:
        return []

    duration = _to_us_delta(rules.duration)
    interval = _to_us_delta(rules.interval)
    hosts_at: dict[int, list[str]] = {}
    # Visiting hosts best-first leaves every slot's host list already in round-robin order.
    for host in sorted(hosts, key=_round_robin_key):
        calendar = _HostCalendar(host, rules)
        for slot_start in calendar.free_starts(low, high, duration, interval):
            hosts_at.setdefault(slot_start, []).append(host.id)

    slots = []
    for slot_start in sorted(hosts_at):
        start_at = _from_us(slot_start)
        slots.append(
            Slot(
                start=start_at,
                end=start_at + rules.duration,
                host_ids=tuple(hosts_at[slot_start]),
            )
        )
    return slots


def slot_is_available(
    *, rules: SlotRules, host: Host, start: datetime, now: datetime
) -> Literal[True] | Refusal:
    """True if `host` can take a booking starting at `start`, else the reason (a `Refusal`,
    which is a str). Agrees with `compute_slots`: True exactly for the starts it lists.

    Reasons are checked in this order: in_the_past, inside_minimum_notice,
    beyond_booking_window, outside_availability, misaligned, conflict, daily_cap_reached.
    """
    _check_aware(start, "start")
    _check_aware(now, "now")
    earliest, latest = _bookable_starts(rules, now)
    if start < now:
        return Refusal.IN_THE_PAST
    if start < earliest:
        return Refusal.INSIDE_MINIMUM_NOTICE
    if start > latest:
        return Refusal.BEYOND_BOOKING_WINDOW
    refusal = _HostCalendar(host, rules).refusal(
        _to_us(start), _to_us_delta(rules.duration), _to_us_delta(rules.interval)
    )
    return True if refusal is None else refusal


def pick_host(slot: Slot, hosts: Sequence[Host]) -> Host:
    """The host to assign for `slot`: fewest upcoming bookings among those free for it, then
    higher priority, then id (so the choice is deterministic)."""
    free = [host for host in hosts if host.id in slot.host_ids]
    if not free:
        raise ValueError(f"none of the given hosts is free for the slot at {slot.start}")
    return min(free, key=_round_robin_key)


def slots_by_local_day(slots: Iterable[Slot], time_zone: str) -> dict[date, list[Slot]]:
    """Slots grouped by the local date of their start in `time_zone` (the booker's), dates and
    slots in chronological order when `slots` is (as `compute_slots` returns it)."""
    zone = _zone(time_zone)
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.start.astimezone(zone).date(), []).append(slot)
    return days


def local_days_in_utc(first: date, last: date, time_zone: str) -> tuple[datetime, datetime]:
    """The UTC instants bounding the local days first..last in `time_zone`: from the start
    of `first` to the start of the day after `last`. A midnight that a DST change skips
    resolves to the moment of the jump (zoneinfo's fold=0), the first instant of that day."""
    zone = _zone(time_zone)
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end
