"""Property tests for the slot computation, on random hosts in zones with odd offsets and DST
changes (gaps and folds at 02:00, at midnight, by 30 minutes), checked against brute force."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.bookings.slots import (
    Busy,
    DateOverride,
    Host,
    Slot,
    SlotRules,
    WeeklyRange,
    compute_slots,
    slot_is_available,
)

ZONES = (
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Santiago",  # changes at midnight
    "America/Havana",  # changes at midnight
    "Australia/Lord_Howe",  # changes by 30 minutes
    "Asia/Kathmandu",  # +05:45
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -03:30 / -02:30
)
# Every 2025 DST change of those zones (UTC instants), and a quiet week. Scenarios open a
# query window shortly before one of them and favour wall times near the change, so that
# ranges starting, ending or lying inside gaps and folds come up often.
TRANSITIONS = (
    ("America/New_York", datetime(2025, 3, 9, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2025, 11, 2, 6, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2025, 3, 30, 1, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2025, 10, 26, 1, tzinfo=UTC)),
    ("Australia/Sydney", datetime(2025, 4, 5, 16, tzinfo=UTC)),
    ("Australia/Sydney", datetime(2025, 10, 4, 16, tzinfo=UTC)),
    ("America/Santiago", datetime(2025, 4, 6, 3, tzinfo=UTC)),
    ("America/Santiago", datetime(2025, 9, 7, 4, tzinfo=UTC)),
    ("America/Havana", datetime(2025, 3, 9, 5, tzinfo=UTC)),
    ("America/Havana", datetime(2025, 11, 2, 5, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2025, 4, 5, 15, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2025, 10, 4, 15, 30, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2025, 4, 5, 14, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2025, 9, 27, 14, tzinfo=UTC)),
    ("America/St_Johns", datetime(2025, 3, 9, 5, 30, tzinfo=UTC)),
    ("America/St_Johns", datetime(2025, 11, 2, 4, 30, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2025, 6, 10, 12, tzinfo=UTC)),
)
# Every time in these tests is on a five-minute grid, and every UTC offset and DST change of
# the zones above is a multiple of fifteen minutes, so checking instants five minutes apart
# sees every change of state.
STEP = timedelta(minutes=5)
DAY_STEPS = 288

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


def wall_time(steps: int) -> time:
    """Steps of five minutes from midnight; 288 (24:00) is time(0), the end of the day."""
    steps %= DAY_STEPS
    return time(steps // 12, steps % 12 * 5)


def steps_of(moment: datetime, zone: str) -> int:
    local = moment.astimezone(ZoneInfo(zone))
    return local.hour * 12 + local.minute // 5


@st.composite
def wall_ranges(draw, hot_steps: tuple[int, ...]) -> tuple[time, time]:
    near_change = st.sampled_from(hot_steps).flatmap(
        lambda hot: st.integers(hot - 18, hot + 18).map(lambda steps: steps % DAY_STEPS)
    )
    start = draw(st.integers(0, DAY_STEPS - 1) | near_change)
    length = draw(st.integers(1, 18) | st.integers(1, 12 * 10))
    return wall_time(start), wall_time(min(DAY_STEPS, start + length))


@st.composite
def hosts(draw, host_id: str, window_start: datetime, focus: tuple[str, datetime]) -> Host:
    focus_zone, change = focus
    zone = draw(st.just(focus_zone) | st.sampled_from(ZONES))
    # The wall clock just before and at the change: the edges of its gap or fold.
    hot_steps = (steps_of(change - STEP, zone), steps_of(change, zone))
    weekly = tuple(
        WeeklyRange(weekday, start, end)
        for weekday, (start, end) in draw(
            st.lists(st.tuples(st.integers(0, 6), wall_ranges(hot_steps)), min_size=2, max_size=12)
        )
    )
    first_day = window_start.date() - timedelta(days=1)
    override_days = draw(st.lists(st.integers(0, 4), max_size=3, unique=True))
    overrides = tuple(
        DateOverride(
            first_day + timedelta(days=offset),
            tuple(draw(st.lists(wall_ranges(hot_steps), max_size=3))),
        )
        for offset in override_days
    )
    busy = tuple(
        Busy(
            start=window_start + STEP * offset,
            end=window_start + STEP * (offset + length),
            buffer_before=STEP * before,
            buffer_after=STEP * after,
            counts_toward_cap=counts,
        )
        for offset, length, before, after, counts in draw(
            st.lists(
                st.tuples(
                    st.integers(-DAY_STEPS, 4 * DAY_STEPS),
                    st.integers(1, 36),
                    st.integers(0, 6),
                    st.integers(0, 6),
                    st.booleans(),
                ),
                max_size=14,
            )
        )
    )
    return Host(
        id=host_id,
        time_zone=zone,
        weekly=weekly,
        overrides=overrides,
        busy=busy,
        priority=draw(st.integers(0, 2)),
        upcoming_bookings=draw(st.integers(0, 3)),
    )


@st.composite
def scenarios(draw, max_hosts: int = 3, max_days: int = 3):
    focus = draw(st.sampled_from(TRANSITIONS))
    window_start = focus[1] - STEP * draw(st.integers(0, DAY_STEPS * 3 // 2))
    window_end = window_start + STEP * draw(st.integers(DAY_STEPS // 6, max_days * DAY_STEPS))
    rules = SlotRules(
        duration=STEP * draw(st.integers(1, 24)),
        interval=STEP * draw(st.integers(1, 12)),
        buffer_before=STEP * draw(st.integers(0, 6)),
        buffer_after=STEP * draw(st.integers(0, 6)),
        minimum_notice=STEP * draw(st.integers(0, 72)),
        booking_window=timedelta(hours=draw(st.integers(0, 24 * 7))),
        daily_cap=draw(st.none() | st.integers(1, 3)),
    )
    host_count = draw(st.integers(1, max_hosts))
    team = [draw(hosts(f"host-{index}", window_start, focus)) for index in range(host_count)]
    now = window_start + STEP * draw(st.integers(-DAY_STEPS, DAY_STEPS // 4))
    return rules, team, window_start, window_end, now


def compute(scenario) -> list[Slot]:
    rules, team, start, end, now = scenario
    return compute_slots(rules=rules, hosts=team, start=start, end=end, now=now)


def inside_availability(host: Host, instant: datetime) -> bool | None:
    """Brute force from the host's point of view: is the wall clock inside a range of the day?

    None when the clock reading is ambiguous (an autumn fold), where the documented behaviour
    differs on purpose: a range starting in the first pass of the repeated hour runs on through
    the second pass, including its readings before the range's start.
    """
    local = instant.astimezone(ZoneInfo(host.time_zone))
    if local.replace(fold=1 - local.fold).astimezone(UTC) != instant:
        return None
    day: date = local.date()
    wall = local.time()
    overrides = {override.day: override.ranges for override in host.overrides}
    if day in overrides:
        ranges = overrides[day]
    else:
        ranges = tuple((r.start, r.end) for r in host.weekly if r.weekday == day.weekday())
    return any(start <= wall and (end == time(0) or wall < end) for start, end in ranges)


def overlaps(start_a: datetime, end_a: datetime, start_b: datetime, end_b: datetime) -> bool:
    return start_a < end_b and start_b < end_a


@PROPERTY_SETTINGS
@given(scenarios())
def test_slots_are_sorted_unique_inside_the_query_and_ranked(scenario):
    rules, team, start, end, now = scenario
    slots = compute(scenario)
    slot_starts = [slot.start for slot in slots]
    assert slot_starts == sorted(set(slot_starts))
    by_id = {host.id: host for host in team}
    for slot in slots:
        assert slot.start.tzinfo is UTC
        assert start <= slot.start < end
        assert slot.end == slot.start + rules.duration
        assert now + rules.minimum_notice <= slot.start <= now + rules.booking_window
        assert slot.host_ids
        ranked = sorted(
            (by_id[host_id] for host_id in slot.host_ids),
            key=lambda host: (host.upcoming_bookings, -host.priority, host.id),
        )
        assert slot.host_ids == tuple(host.id for host in ranked)


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_slot_meets_a_busy_interval_with_buffers(scenario):
    rules, team, *_ = scenario
    by_id = {host.id: host for host in team}
    for slot in compute(scenario):
        wanted_start = slot.start - rules.buffer_before
        wanted_end = slot.end + rules.buffer_after
        for host_id in slot.host_ids:
            for busy in by_id[host_id].busy:
                assert not overlaps(
                    wanted_start,
                    wanted_end,
                    busy.start - busy.buffer_before,
                    busy.end + busy.buffer_after,
                )


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_slot_is_inside_each_of_its_hosts_availability(scenario):
    _rules, team, *_ = scenario
    by_id = {host.id: host for host in team}
    for slot in compute(scenario):
        for host_id in slot.host_ids:
            host = by_id[host_id]
            moment = slot.start
            while moment < slot.end:
                assert inside_availability(host, moment) is not False, (host_id, moment)
                moment += STEP


@PROPERTY_SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_result(scenario, random):
    rules, team, start, end, now = scenario

    def shuffled(items: tuple) -> tuple:
        items = list(items)
        random.shuffle(items)
        return tuple(items)

    reordered = [
        dataclasses.replace(
            host,
            weekly=shuffled(host.weekly),
            overrides=shuffled(host.overrides),
            busy=shuffled(host.busy),
        )
        for host in shuffled(tuple(team))
    ]
    assert compute((rules, reordered, start, end, now)) == compute(scenario)


@PROPERTY_SETTINGS
@given(scenarios())
def test_a_team_offers_the_union_of_its_hosts_slots(scenario):
    rules, team, start, end, now = scenario
    expected: dict[datetime, set[str]] = {}
    for host in team:
        for slot in compute((rules, [host], start, end, now)):
            expected.setdefault(slot.start, set()).add(host.id)
    assert {slot.start: set(slot.host_ids) for slot in compute(scenario)} == expected


@settings(max_examples=60, deadline=None)
@given(scenarios(max_hosts=1, max_days=2))
def test_slot_is_available_agrees_with_compute_slots_at_every_start(scenario):
    rules, (host,), start, end, now = scenario
    offered = {slot.start for slot in compute(scenario)}
    moment = start
    while moment < end:
        verdict = slot_is_available(rules=rules, host=host, start=moment, now=now)
        assert (verdict is True) == (moment in offered), (moment, verdict)
        moment += STEP


def brute_force_starts(
    rules: SlotRules, host: Host, start: datetime, end: datetime, now: datetime
) -> set[datetime]:
    """An independent reading of the rules, by watching the host's clock in five-minute steps.

    A range on local date D runs from the first moment the clock shows D and a time at or after
    its start, to the first moment it shows D and a time at or after its end (or shows a later
    date). That one sentence is the documented gap and fold behaviour.
    """
    zone = ZoneInfo(host.time_zone)
    scan_from = start - timedelta(days=3)
    scan_to = end + rules.duration + timedelta(days=3)
    clock: dict[date, list[tuple[datetime, time]]] = {}
    moment = scan_from
    while moment < scan_to:
        local = moment.astimezone(zone)
        clock.setdefault(local.date(), []).append((moment, local.time()))
        moment += STEP
    days = sorted(clock)
    overrides = {override.day: override.ranges for override in host.overrides}

    ranges = []
    for day, next_day in itertools.pairwise(days):
        if day in overrides:
            wall_ranges = overrides[day]
        else:
            wall_ranges = tuple((r.start, r.end) for r in host.weekly if r.weekday == day.weekday())
        day_over = clock[next_day][0][0]
        for wall_start, wall_end in wall_ranges:
            range_start = next((t for t, wall in clock[day] if wall >= wall_start), day_over)
            range_end = day_over
            if wall_end != time(0):
                range_end = next((t for t, wall in clock[day] if wall >= wall_end), day_over)
            if range_end > range_start:
                ranges.append((range_start, range_end))
    ranges.sort()

    # Ranges that touch or overlap form one block; a slot may run to the end of its block.
    blocks: list[list[datetime]] = []
    for range_start, range_end in ranges:
        if blocks and range_start <= blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], range_end)
        else:
            blocks.append([range_start, range_end])

    cap_days: dict[date, int] = {}
    for busy in host.busy:
        if busy.counts_toward_cap:
            busy_day = busy.start.astimezone(zone).date()
            cap_days[busy_day] = cap_days.get(busy_day, 0) + 1

    found = set()
    for range_start, range_end in ranges:
        reach = next(stop for begin, stop in blocks if begin <= range_start < stop)
        candidate = range_start
        while candidate < range_end:
            if (
                candidate + rules.duration <= reach
                and start <= candidate < end
                and now + rules.minimum_notice <= candidate <= now + rules.booking_window
                and not any(
                    overlaps(
                        candidate - rules.buffer_before,
                        candidate + rules.duration + rules.buffer_after,
                        busy.start - busy.buffer_before,
                        busy.end + busy.buffer_after,
                    )
                    for busy in host.busy
                )
                and (
                    rules.daily_cap is None
                    or cap_days.get(candidate.astimezone(zone).date(), 0) < rules.daily_cap
                )
            ):
                found.add(candidate)
            candidate += rules.interval
    return found


@settings(max_examples=120, deadline=None)
@given(scenarios(max_hosts=2))
def test_each_host_gets_exactly_the_slots_a_brute_force_reading_finds(scenario):
    rules, team, start, end, now = scenario
    slots = compute(scenario)
    for host in team:
        offered = {slot.start for slot in slots if host.id in slot.host_ids}
        assert offered == brute_force_starts(rules, host, start, end, now), host.time_zone
