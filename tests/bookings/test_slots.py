"""Examples for the slot computation: DST in several zones, overrides, buffers, notice, window,
daily cap, round-robin and every refusal reason. Property tests live in test_slots_properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.bookings.slots import (
    Busy,
    DateOverride,
    Host,
    Refusal,
    Slot,
    SlotRules,
    WeeklyRange,
    compute_slots,
    local_days_in_utc,
    pick_host,
    slot_is_available,
    slots_by_local_day,
)

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"
SYDNEY = "Australia/Sydney"
KOLKATA = "Asia/Kolkata"

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
EARLY_2025 = datetime(2025, 1, 1, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def every_day(start: time, end: time) -> tuple[WeeklyRange, ...]:
    return tuple(WeeklyRange(weekday, start, end) for weekday in range(7))


def rules(minutes: int = 30, interval: int | None = None, **extra) -> SlotRules:
    extra.setdefault("booking_window", timedelta(days=400))
    return SlotRules(
        duration=timedelta(minutes=minutes),
        interval=timedelta(minutes=interval or minutes),
        **extra,
    )


def starts(slots: list[Slot]) -> list[datetime]:
    return [slot.start for slot in slots]


def walls(slots: list[Slot], zone: str) -> list[str]:
    """Local wall time with its UTC offset, e.g. '2025-03-09T03:00-04:00'."""
    return [slot.start.astimezone(ZoneInfo(zone)).isoformat(timespec="minutes") for slot in slots]


def compute(
    rule: SlotRules, hosts: list[Host], start: datetime, end: datetime, now: datetime = EARLY_2025
) -> list[Slot]:
    return compute_slots(rules=rule, hosts=hosts, start=start, end=end, now=now)


# --- DST: host and booker in different zones ----------------------------------------------


def test_new_york_host_across_us_spring_forward_seen_from_berlin():
    # 9 March 2025 New York springs forward; Berlin stays on CET until 30 March.
    host = Host("ny", NEW_YORK, every_day(time(9), time(11)))
    slots = compute(rules(60), [host], utc(2025, 3, 7), utc(2025, 3, 11))

    assert starts(slots) == [
        utc(2025, 3, 7, 14), utc(2025, 3, 7, 15),
        utc(2025, 3, 8, 14), utc(2025, 3, 8, 15),
        utc(2025, 3, 9, 13), utc(2025, 3, 9, 14),
        utc(2025, 3, 10, 13), utc(2025, 3, 10, 14),
    ]  # fmt: skip
    assert walls(slots, NEW_YORK) == [
        "2025-03-07T09:00-05:00", "2025-03-07T10:00-05:00",
        "2025-03-08T09:00-05:00", "2025-03-08T10:00-05:00",
        "2025-03-09T09:00-04:00", "2025-03-09T10:00-04:00",
        "2025-03-10T09:00-04:00", "2025-03-10T10:00-04:00",
    ]  # fmt: skip
    by_day = slots_by_local_day(slots, BERLIN)
    assert list(by_day) == [date(2025, 3, 7), date(2025, 3, 8), date(2025, 3, 9), date(2025, 3, 10)]
    assert walls(by_day[date(2025, 3, 8)], BERLIN) == [
        "2025-03-08T15:00+01:00",
        "2025-03-08T16:00+01:00",
    ]
    # The gap between the zones shrinks from six hours to five for three weeks.
    assert walls(by_day[date(2025, 3, 9)], BERLIN) == [
        "2025-03-09T14:00+01:00",
        "2025-03-09T15:00+01:00",
    ]
    assert all(slot.end - slot.start == HOUR for slot in slots)
    assert all(slot.host_ids == ("ny",) for slot in slots)


def test_berlin_host_across_eu_autumn_change_seen_from_new_york():
    # 26 October 2025 Berlin falls back; New York stays on EDT until 2 November.
    host = Host("berlin", BERLIN, every_day(time(9), time(10)))
    slots = compute(rules(30), [host], utc(2025, 10, 24), utc(2025, 10, 28))

    assert starts(slots) == [
        utc(2025, 10, 24, 7), utc(2025, 10, 24, 7, 30),
        utc(2025, 10, 25, 7), utc(2025, 10, 25, 7, 30),
        utc(2025, 10, 26, 8), utc(2025, 10, 26, 8, 30),
        utc(2025, 10, 27, 8), utc(2025, 10, 27, 8, 30),
    ]  # fmt: skip
    assert walls(slots, BERLIN)[::2] == [
        "2025-10-24T09:00+02:00",
        "2025-10-25T09:00+02:00",
        "2025-10-26T09:00+01:00",
        "2025-10-27T09:00+01:00",
    ]
    assert walls(slots, NEW_YORK)[::2] == [
        "2025-10-24T03:00-04:00",
        "2025-10-25T03:00-04:00",
        "2025-10-26T04:00-04:00",
        "2025-10-27T04:00-04:00",
    ]


def test_new_york_host_across_us_fall_back_seen_from_berlin():
    # Between 26 October and 2 November the zones are five hours apart, then six again.
    host = Host("ny", NEW_YORK, every_day(time(9), time(10)))
    slots = compute(rules(60), [host], utc(2025, 10, 25), utc(2025, 11, 4))
    assert walls(slots, BERLIN) == [
        "2025-10-25T15:00+02:00",
        "2025-10-26T14:00+01:00",
        "2025-10-27T14:00+01:00",
        "2025-10-28T14:00+01:00",
        "2025-10-29T14:00+01:00",
        "2025-10-30T14:00+01:00",
        "2025-10-31T14:00+01:00",
        "2025-11-01T14:00+01:00",
        "2025-11-02T15:00+01:00",
        "2025-11-03T15:00+01:00",
    ]


def test_sydney_host_across_april_and_october_changes_seen_from_kolkata():
    host = Host("syd", SYDNEY, every_day(time(9), time(10)))

    april = compute(rules(60), [host], utc(2025, 4, 3), utc(2025, 4, 7))
    # Sydney leaves daylight time (+11) for standard time (+10) at 03:00 on 6 April.
    assert starts(april) == [
        utc(2025, 4, 3, 22),
        utc(2025, 4, 4, 22),
        utc(2025, 4, 5, 23),
        utc(2025, 4, 6, 23),
    ]
    assert walls(april, SYDNEY) == [
        "2025-04-04T09:00+11:00",
        "2025-04-05T09:00+11:00",
        "2025-04-06T09:00+10:00",
        "2025-04-07T09:00+10:00",
    ]
    assert walls(april, KOLKATA) == [
        "2025-04-04T03:30+05:30",
        "2025-04-05T03:30+05:30",
        "2025-04-06T04:30+05:30",
        "2025-04-07T04:30+05:30",
    ]

    october = compute(rules(60), [host], utc(2025, 10, 2), utc(2025, 10, 6))
    # And returns to +11 at 02:00 on 5 October.
    assert starts(october) == [
        utc(2025, 10, 2, 23),
        utc(2025, 10, 3, 23),
        utc(2025, 10, 4, 22),
        utc(2025, 10, 5, 22),
    ]
    assert walls(october, KOLKATA) == [
        "2025-10-03T04:30+05:30",
        "2025-10-04T04:30+05:30",
        "2025-10-05T03:30+05:30",
        "2025-10-06T03:30+05:30",
    ]


def test_kolkata_host_without_dst_moves_on_a_new_york_bookers_calendar():
    host = Host("kol", KOLKATA, every_day(time(10), time(11)))
    slots = compute(rules(60), [host], utc(2025, 3, 7), utc(2025, 3, 11))

    # 10:00 IST is 04:30 UTC on every date.
    assert starts(slots) == [utc(2025, 3, day, 4, 30) for day in (7, 8, 9, 10)]
    assert walls(slots, NEW_YORK) == [
        "2025-03-06T23:30-05:00",
        "2025-03-07T23:30-05:00",
        "2025-03-08T23:30-05:00",  # 04:30 UTC on 9 March, before New York's 07:00 UTC jump
        "2025-03-10T00:30-04:00",
    ]
    by_day = slots_by_local_day(slots, NEW_YORK)
    # The booker's 9 March has no slot: the late slot moved past midnight with the clocks.
    assert list(by_day) == [date(2025, 3, 6), date(2025, 3, 7), date(2025, 3, 8), date(2025, 3, 10)]


def test_hosts_in_different_zones_share_slots():
    berlin = Host("berlin", BERLIN, every_day(time(14), time(16)))
    new_york = Host("ny", NEW_YORK, every_day(time(9), time(11)))
    # On 10 March 2025 14:00 Berlin (CET) and 09:00 New York (EDT) are both 13:00 UTC.
    slots = compute(rules(60), [berlin, new_york], utc(2025, 3, 10), utc(2025, 3, 11))
    assert [(slot.start, slot.host_ids) for slot in slots] == [
        (utc(2025, 3, 10, 13), ("berlin", "ny")),
        (utc(2025, 3, 10, 14), ("berlin", "ny")),
    ]


# --- DST gaps and folds inside a range -----------------------------------------------------


@pytest.mark.parametrize(
    ("wall_start", "wall_end", "expected_walls"),
    [
        # 02:30 does not exist: the range starts at 03:00 EDT, the first valid instant.
        (time(2, 30), time(4), ["03:00-04:00", "03:30-04:00"]),
        # A range wholly inside the gap is empty.
        (time(2), time(2, 45), []),
        # A range spanning the gap lasts 1.5 real hours, evenly spaced in real time.
        (time(1), time(3, 30), ["01:00-05:00", "01:30-05:00", "03:00-04:00"]),
        # An end inside the gap ends the range at the jump.
        (time(1), time(2, 30), ["01:00-05:00", "01:30-05:00"]),
    ],
)
def test_range_meeting_the_spring_forward_gap(wall_start, wall_end, expected_walls):
    sunday = date(2025, 3, 9)
    host = Host("ny", NEW_YORK, (), overrides=(DateOverride(sunday, ((wall_start, wall_end),)),))
    slots = compute(rules(30), [host], utc(2025, 3, 9), utc(2025, 3, 10))
    assert [wall[11:] for wall in walls(slots, NEW_YORK)] == expected_walls


@pytest.mark.parametrize(
    ("wall_start", "wall_end", "expected"),
    [
        # 01:00-02:00 on fall-back day is two real hours: both 01:xx hours are inside.
        (
            time(1),
            time(2),
            ["01:00-04:00", "01:30-04:00", "01:00-05:00", "01:30-05:00"],
        ),
        # An ambiguous end is its first occurrence (fold=0), so the range is one hour.
        (time(0, 30), time(1, 30), ["00:30-04:00", "01:00-04:00"]),
        # An ambiguous start is its first occurrence too, so the range runs on through the
        # whole second pass, 01:00-01:30 EST included.
        (time(1, 30), time(2, 30), ["01:30-04:00", "01:00-05:00", "01:30-05:00", "02:00-05:00"]),
    ],
)
def test_range_meeting_the_fall_back_fold(wall_start, wall_end, expected):
    sunday = date(2025, 11, 2)
    host = Host("ny", NEW_YORK, (), overrides=(DateOverride(sunday, ((wall_start, wall_end),)),))
    slots = compute(rules(30), [host], utc(2025, 11, 2), utc(2025, 11, 3))
    assert [wall[11:] for wall in walls(slots, NEW_YORK)] == expected
    assert len(set(starts(slots))) == len(slots)


def test_berlin_fold_gives_distinct_utc_slots():
    # 26 October 2025: 02:00-03:00 happens twice in Berlin (CEST, then CET).
    host = Host("berlin", BERLIN, every_day(time(2), time(3)))
    slots = compute(rules(30), [host], utc(2025, 10, 25, 12), utc(2025, 10, 26, 12))
    assert starts(slots) == [
        utc(2025, 10, 26, 0),
        utc(2025, 10, 26, 0, 30),
        utc(2025, 10, 26, 1),
        utc(2025, 10, 26, 1, 30),
    ]
    assert walls(slots, BERLIN) == [
        "2025-10-26T02:00+02:00",
        "2025-10-26T02:30+02:00",
        "2025-10-26T02:00+01:00",
        "2025-10-26T02:30+01:00",
    ]


def test_sydney_gap_moves_the_range_start_to_the_jump():
    # 5 October 2025 Sydney jumps from 02:00 AEST to 03:00 AEDT.
    host = Host(
        "syd", SYDNEY, (), overrides=(DateOverride(date(2025, 10, 5), ((time(2, 15), time(4)),)),)
    )
    slots = compute(rules(30), [host], utc(2025, 10, 4), utc(2025, 10, 5))
    assert walls(slots, SYDNEY) == ["2025-10-05T03:00+11:00", "2025-10-05T03:30+11:00"]
    assert starts(slots) == [utc(2025, 10, 4, 16), utc(2025, 10, 4, 16, 30)]


def test_midnight_gap_and_a_night_shift_joined_across_it():
    # Santiago skips 00:00-01:00 on 7 September 2025 (-04 becomes -03 at midnight).
    santiago = "America/Santiago"
    host = Host(
        "scl",
        santiago,
        (),
        overrides=(
            DateOverride(date(2025, 9, 6), ((time(22), time(0)),)),  # 22:00 to 24:00
            DateOverride(date(2025, 9, 7), ((time(0), time(2)),)),
        ),
    )
    slots = compute(rules(60, 30), [host], utc(2025, 9, 6), utc(2025, 9, 8))
    # Two ranges that touch form one stretch, so slots cross midnight; the second range's
    # grid starts at 01:00, the first valid instant of 7 September.
    assert walls(slots, santiago) == [
        "2025-09-06T22:00-04:00",
        "2025-09-06T22:30-04:00",
        "2025-09-06T23:00-04:00",
        "2025-09-06T23:30-04:00",
        "2025-09-07T01:00-03:00",
    ]
    assert starts(slots)[-1] == utc(2025, 9, 7, 4)


# --- overrides and range shapes ------------------------------------------------------------


def test_date_overrides_replace_the_weekly_schedule_on_their_date_only():
    weekdays = tuple(WeeklyRange(day, time(9), time(10)) for day in range(5))
    host = Host(
        "h",
        BERLIN,
        weekdays,
        overrides=(
            DateOverride(date(2025, 6, 3), ()),  # Tuesday off
            DateOverride(date(2025, 6, 4), ((time(14), time(15)), (time(16), time(16, 30)))),
            DateOverride(date(2025, 6, 7), ((time(11), time(12)),)),  # a Saturday on
        ),
    )
    slots = compute(rules(30), [host], utc(2025, 6, 2), utc(2025, 6, 9))
    assert walls(slots, BERLIN) == [
        "2025-06-02T09:00+02:00",
        "2025-06-02T09:30+02:00",
        "2025-06-04T14:00+02:00",
        "2025-06-04T14:30+02:00",
        "2025-06-04T16:00+02:00",
        "2025-06-05T09:00+02:00",
        "2025-06-05T09:30+02:00",
        "2025-06-06T09:00+02:00",
        "2025-06-06T09:30+02:00",
        "2025-06-07T11:00+02:00",
        "2025-06-07T11:30+02:00",
    ]


def test_grid_is_aligned_to_each_range_start_and_slots_must_fit():
    host = Host("h", "UTC", (WeeklyRange(0, time(9, 10), time(10, 30)),))
    slots = compute(rules(30, 20), [host], utc(2025, 6, 2), utc(2025, 6, 3))
    assert starts(slots) == [utc(2025, 6, 2, 9, 10), utc(2025, 6, 2, 9, 30), utc(2025, 6, 2, 9, 50)]


def test_touching_ranges_join_and_overlapping_ranges_give_no_duplicates():
    host = Host(
        "h",
        "UTC",
        (
            WeeklyRange(0, time(9), time(10)),
            WeeklyRange(0, time(10), time(11)),
            WeeklyRange(0, time(9, 30), time(10, 30)),
        ),
    )
    slots = compute(rules(60, 30), [host], utc(2025, 6, 2), utc(2025, 6, 3))
    assert starts(slots) == [utc(2025, 6, 2, 9), utc(2025, 6, 2, 9, 30), utc(2025, 6, 2, 10)]


def test_query_takes_slots_starting_inside_it_even_if_they_end_after():
    host = Host("h", "UTC", every_day(time(9), time(12)))
    slots = compute(rules(60), [host], utc(2025, 6, 2, 9, 30), utc(2025, 6, 2, 11))
    assert starts(slots) == [utc(2025, 6, 2, 10)]


# --- buffers -------------------------------------------------------------------------------

BOOKED = Busy(utc(2025, 6, 2, 10), utc(2025, 6, 2, 11))


@pytest.mark.parametrize(
    ("type_buffers", "booking", "expected_free"),
    [
        # A booking that ends when a slot starts (or starts when it ends) does not clash.
        ({}, BOOKED, ["09:00", "09:15", "09:30", "11:00", "11:15", "11:30"]),
        # The type's buffer after the slot must not reach the booking.
        ({"buffer_after": 15 * MINUTE}, BOOKED, ["09:00", "09:15", "11:00", "11:15", "11:30"]),
        # The type's buffer before the slot must not reach back into the booking.
        ({"buffer_before": 10 * MINUTE}, BOOKED, ["09:00", "09:15", "09:30", "11:15", "11:30"]),
        # The booking's own buffers block time too: 09:40 to 11:20.
        (
            {},
            Busy(BOOKED.start, BOOKED.end, buffer_before=20 * MINUTE, buffer_after=20 * MINUTE),
            ["09:00", "11:30"],
        ),
        # Both sets of buffers add up: 09:30 would need 09:20-10:05 against 09:55-11:05.
        (
            {"buffer_before": 10 * MINUTE, "buffer_after": 5 * MINUTE},
            Busy(BOOKED.start, BOOKED.end, buffer_before=5 * MINUTE, buffer_after=5 * MINUTE),
            ["09:00", "09:15", "11:15", "11:30"],
        ),
    ],
)
def test_buffers_around_an_existing_booking(type_buffers, booking, expected_free):
    host = Host("h", "UTC", (WeeklyRange(0, time(9), time(12)),), busy=(booking,))
    slots = compute(rules(30, 15, **type_buffers), [host], utc(2025, 6, 2), utc(2025, 6, 3))
    assert [slot.start.strftime("%H:%M") for slot in slots] == expected_free


def test_buffers_may_fall_outside_availability():
    host = Host("h", "UTC", (WeeklyRange(0, time(9), time(10)),))
    slots = compute(
        rules(30, buffer_before=HOUR, buffer_after=HOUR), [host], utc(2025, 6, 2), utc(2025, 6, 3)
    )
    assert starts(slots) == [utc(2025, 6, 2, 9), utc(2025, 6, 2, 9, 30)]


# --- notice, window, cap -------------------------------------------------------------------


def test_minimum_notice_hides_slots_starting_too_soon():
    host = Host("h", "UTC", every_day(time(9), time(13)))
    now = utc(2025, 6, 2, 9, 7)
    slots = compute(
        rules(30, 15, minimum_notice=2 * HOUR), [host], utc(2025, 6, 2), utc(2025, 6, 3), now
    )
    assert slots[0].start == utc(2025, 6, 2, 11, 15)
    exactly = compute(
        rules(30, 15, minimum_notice=timedelta(minutes=113)),
        [host],
        utc(2025, 6, 2),
        utc(2025, 6, 3),
        now,
    )
    assert exactly[0].start == utc(2025, 6, 2, 11)  # now + notice itself is allowed


def test_booking_window_hides_slots_starting_after_it():
    host = Host("h", "UTC", every_day(time(9), time(11)))
    now = utc(2025, 6, 2, 10)
    rule = rules(60, booking_window=timedelta(days=2))
    slots = compute(rule, [host], utc(2025, 6, 1), utc(2025, 6, 10), now)
    # 12:00 on 4 June would be past the window; 10:00, exactly now + window, is not.
    assert starts(slots) == [
        utc(2025, 6, 2, 10),
        utc(2025, 6, 3, 9),
        utc(2025, 6, 3, 10),
        utc(2025, 6, 4, 9),
        utc(2025, 6, 4, 10),
    ]


def test_daily_cap_counts_bookings_on_the_hosts_local_date():
    # 23:00 UTC on 2 June is 09:00 on 3 June in Sydney, so both bookings fall on 3 June there.
    host = Host(
        "syd",
        SYDNEY,
        every_day(time(9), time(17)),
        busy=(
            Busy(utc(2025, 6, 2, 23), utc(2025, 6, 2, 23, 30)),
            Busy(utc(2025, 6, 3, 1), utc(2025, 6, 3, 1, 30)),
            # Another type's booking blocks its time but does not count toward the cap.
            Busy(utc(2025, 6, 4, 1), utc(2025, 6, 4, 1, 30), counts_toward_cap=False),
        ),
    )
    slots = compute(rules(60, daily_cap=2), [host], utc(2025, 6, 2, 12), utc(2025, 6, 5, 12))
    by_day = slots_by_local_day(slots, SYDNEY)
    assert date(2025, 6, 3) not in by_day
    assert len(by_day[date(2025, 6, 4)]) == 7  # eight hours, one taken by the other booking
    assert len(by_day[date(2025, 6, 5)]) == 8

    uncapped = compute(rules(60, daily_cap=3), [host], utc(2025, 6, 2, 12), utc(2025, 6, 5, 12))
    assert len(slots_by_local_day(uncapped, SYDNEY)[date(2025, 6, 3)]) == 6


# --- round-robin ---------------------------------------------------------------------------


def team(*specs: tuple[str, int, int], busy: dict[str, tuple[Busy, ...]] | None = None):
    busy = busy or {}
    return [
        Host(
            host_id,
            "UTC",
            every_day(time(9), time(11)),
            busy=busy.get(host_id, ()),
            priority=priority,
            upcoming_bookings=upcoming,
        )
        for host_id, priority, upcoming in specs
    ]


def test_round_robin_orders_free_hosts_by_load_then_priority_then_id():
    hosts = team(("carol", 0, 3), ("bob", 1, 2), ("alice", 0, 2), ("dave", 5, 4), ("erin", 1, 2))
    slots = compute(rules(60), hosts, utc(2025, 6, 2), utc(2025, 6, 3))
    assert slots[0].host_ids == ("bob", "erin", "alice", "carol", "dave")
    assert pick_host(slots[0], hosts).id == "bob"


def test_pick_host_chooses_among_free_hosts_only():
    busy_bob = (Busy(utc(2025, 6, 2, 9), utc(2025, 6, 2, 10)),)
    hosts = team(("alice", 0, 1), ("bob", 0, 0), busy={"bob": busy_bob})
    first, second = compute(rules(60), hosts, utc(2025, 6, 2), utc(2025, 6, 3))
    assert first.host_ids == ("alice",)
    assert pick_host(first, hosts).id == "alice"
    assert second.host_ids == ("bob", "alice")
    assert pick_host(second, hosts).id == "bob"
    # Ties on load and priority fall to the id, whatever the input order.
    tied = team(("zed", 0, 0), ("amy", 0, 0))
    slot = compute(rules(60), tied, utc(2025, 6, 2), utc(2025, 6, 3))[0]
    assert slot.host_ids == ("amy", "zed")
    assert pick_host(slot, tied[::-1]).id == "amy"


def test_pick_host_refuses_a_slot_none_of_the_hosts_can_take():
    slot = Slot(utc(2025, 6, 2, 9), utc(2025, 6, 2, 10), ("ghost",))
    with pytest.raises(ValueError, match="none of the given hosts"):
        pick_host(slot, team(("alice", 0, 0)))


# --- slot_is_available ---------------------------------------------------------------------

CHECK_NOW = utc(2025, 6, 2, 6)
CHECK_RULES = rules(
    30,
    15,
    buffer_after=10 * MINUTE,
    minimum_notice=HOUR,
    booking_window=timedelta(days=14),
    daily_cap=2,
)
CHECK_HOST = Host(
    "h",
    BERLIN,
    every_day(time(9), time(12)),  # 07:00-10:00 UTC in June
    busy=(
        Busy(utc(2025, 6, 3, 8), utc(2025, 6, 3, 8, 30)),
        Busy(utc(2025, 6, 4, 7), utc(2025, 6, 4, 7, 30)),
        Busy(utc(2025, 6, 4, 9), utc(2025, 6, 4, 9, 30)),
    ),
)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (utc(2025, 6, 2, 7, 15), True),
        (utc(2025, 6, 2, 5), Refusal.IN_THE_PAST),
        (utc(2025, 6, 2, 6, 45), Refusal.INSIDE_MINIMUM_NOTICE),
        (utc(2025, 6, 16, 7), Refusal.BEYOND_BOOKING_WINDOW),
        (utc(2025, 6, 2, 12), Refusal.OUTSIDE_AVAILABILITY),
        (utc(2025, 6, 2, 9, 45), Refusal.OUTSIDE_AVAILABILITY),  # would end after 12:00 local
        (utc(2025, 6, 2, 7, 20), Refusal.MISALIGNED),
        (utc(2025, 6, 3, 7, 30), Refusal.CONFLICT),  # its buffer after reaches 08:00
        (utc(2025, 6, 3, 7, 15), True),
        (utc(2025, 6, 4, 8), Refusal.DAILY_CAP_REACHED),
    ],
)
def test_slot_is_available_gives_each_refusal_reason(start, expected):
    result = slot_is_available(rules=CHECK_RULES, host=CHECK_HOST, start=start, now=CHECK_NOW)
    assert result == expected
    assert result is True or isinstance(result, str)


def test_refusal_codes_are_plain_strings():
    assert {code.value for code in Refusal} == {
        "outside_availability",
        "in_the_past",
        "inside_minimum_notice",
        "beyond_booking_window",
        "daily_cap_reached",
        "conflict",
        "misaligned",
    }
    assert Refusal.CONFLICT == "conflict"


def test_slot_is_available_accepts_every_computed_slot_and_only_those():
    end = utc(2025, 6, 6)
    slots = compute(CHECK_RULES, [CHECK_HOST], CHECK_NOW, end, CHECK_NOW)
    offered = set(starts(slots))
    moment = CHECK_NOW
    while moment < end:
        available = slot_is_available(
            rules=CHECK_RULES, host=CHECK_HOST, start=moment, now=CHECK_NOW
        )
        assert (available is True) == (moment in offered), moment
        moment += 5 * MINUTE


def test_second_occurrence_of_a_folded_hour_is_checked_like_compute_slots():
    host = Host(
        "ny",
        NEW_YORK,
        (),
        overrides=(DateOverride(date(2025, 11, 2), ((time(0, 30), time(1, 30)),)),),
    )
    check = rules(30)
    first_one_am = utc(2025, 11, 2, 5)  # 01:00 EDT
    second_one_am = utc(2025, 11, 2, 6)  # 01:00 EST
    assert slot_is_available(rules=check, host=host, start=first_one_am, now=EARLY_2025) is True
    assert (
        slot_is_available(rules=check, host=host, start=second_one_am, now=EARLY_2025)
        == Refusal.OUTSIDE_AVAILABILITY
    )


# --- validation ----------------------------------------------------------------------------


def test_compute_slots_rejects_bad_queries():
    host = Host("h", "UTC", every_day(time(9), time(10)))
    naive = datetime(2025, 6, 2)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        compute(rules(), [host], naive, utc(2025, 6, 3))
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        compute(rules(), [host], utc(2025, 6, 2), utc(2025, 6, 3), naive)
    with pytest.raises(ValueError, match="must be after start"):
        compute(rules(), [host], utc(2025, 6, 3), utc(2025, 6, 3))
    with pytest.raises(ValueError, match="host ids must be unique"):
        compute(rules(), [host, host], utc(2025, 6, 2), utc(2025, 6, 3))
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        slot_is_available(rules=rules(), host=host, start=naive, now=EARLY_2025)


def test_any_aware_zone_is_accepted_and_results_are_utc():
    host = Host("h", "UTC", every_day(time(9), time(10)))
    berlin = ZoneInfo(BERLIN)
    slots = compute(
        rules(60),
        [host],
        datetime(2025, 6, 2, tzinfo=berlin),
        datetime(2025, 6, 3, tzinfo=berlin),
        EARLY_2025.astimezone(berlin),
    )
    assert starts(slots) == [utc(2025, 6, 2, 9)]
    assert slots[0].start.tzinfo is UTC


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Host("h", "Mars/Olympus_Mons", ()), "unknown time zone 'Mars/Olympus_Mons'"),
        (lambda: Host("h", "../etc/passwd", ()), "unknown time zone"),
        (lambda: WeeklyRange(0, time(10), time(9)), "must be after start"),
        (lambda: WeeklyRange(0, time(10), time(10)), "must be after start"),
        (lambda: WeeklyRange(7, time(9), time(10)), "weekday must be 0"),
        (
            lambda: WeeklyRange(0, time(9, tzinfo=UTC), time(10, tzinfo=UTC)),
            "must be naive wall-clock times",
        ),
        (lambda: DateOverride(date(2025, 6, 2), ((time(12), time(11)),)), "override on 2025-06-02"),
        (lambda: SlotRules(duration=timedelta(0), interval=MINUTE), "duration must be positive"),
        (lambda: SlotRules(duration=MINUTE, interval=-MINUTE), "interval must be positive"),
        (
            lambda: SlotRules(duration=MINUTE, interval=MINUTE, buffer_before=-MINUTE),
            "buffer_before must not be negative",
        ),
        (lambda: SlotRules(duration=MINUTE, interval=MINUTE, daily_cap=0), "daily_cap"),
        (
            lambda: Busy(datetime(2025, 6, 2, 9), datetime(2025, 6, 2, 10)),  # noqa: DTZ001
            "busy start must be timezone-aware",
        ),
        (lambda: Busy(utc(2025, 6, 2, 10), utc(2025, 6, 2, 9)), "busy end"),
        (
            lambda: Host(
                "h",
                "UTC",
                (),
                overrides=(DateOverride(date(2025, 6, 2), ()), DateOverride(date(2025, 6, 2), ())),
            ),
            "more than one override",
        ),
        (lambda: slots_by_local_day([], "Not/A_Zone"), "unknown time zone"),
    ],
)
def test_invalid_inputs_raise_clear_value_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_midnight_as_range_end_means_end_of_day():
    host = Host("h", "UTC", (WeeklyRange(0, time(23), time(0)),))
    slots = compute(rules(30), [host], utc(2025, 6, 2), utc(2025, 6, 3))
    assert starts(slots) == [utc(2025, 6, 2, 23), utc(2025, 6, 2, 23, 30)]


def test_local_days_in_utc_follow_the_zones_dst_change():
    # Berlin springs forward on Sunday 29 March 2026: that day has 23 hours.
    start, end = local_days_in_utc(date(2026, 3, 29), date(2026, 3, 29), BERLIN)
    assert (start, end) == (
        datetime(2026, 3, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 29, 22, tzinfo=UTC),
    )
    # A week in New York across its fall back (1 November 2026): 7 days and one hour.
    start, end = local_days_in_utc(date(2026, 10, 26), date(2026, 11, 1), NEW_YORK)
    assert start == datetime(2026, 10, 26, 4, tzinfo=UTC)
    assert end - start == timedelta(days=7, hours=1)
