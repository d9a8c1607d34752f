"""Benchmark for apps.bookings.slots: 30 days of slots for a type with 5 busy hosts.

The target (DESIGN.md) is < 50 ms on the 2-core machine. Run from the repository root:
    .venv/bin/python benchmarks/bench_slots.py [--runs 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.bookings.slots import (
    Busy,
    DateOverride,
    Host,
    SlotRules,
    WeeklyRange,
    compute_slots,
)

ZONES = ("America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "Europe/London")
# Spans the EU and US autumn DST changes (26 October and 2 November 2025).
NOW = datetime(2025, 10, 14, 9, 17, tzinfo=UTC)
QUERY_START = datetime(2025, 10, 15, tzinfo=UTC)
QUERY_END = QUERY_START + timedelta(days=30)
RULES = SlotRules(
    duration=timedelta(minutes=30),
    interval=timedelta(minutes=15),
    buffer_before=timedelta(minutes=10),
    buffer_after=timedelta(minutes=10),
    minimum_notice=timedelta(hours=12),
    booking_window=timedelta(days=60),
    daily_cap=5,
)


def build_host(index: int, rng: random.Random) -> Host:
    """Mon-Fri 09:00-12:00 and 13:00-17:30 local, 4-6 bookings on each working day."""
    zone = ZoneInfo(ZONES[index])
    weekly = tuple(
        WeeklyRange(weekday, start, end)
        for weekday in range(5)
        for start, end in ((time(9), time(12)), (time(13), time(17, 30)))
    )
    busy = []
    first_day = (QUERY_START - timedelta(days=2)).date()
    for offset in range(34):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        # Bookings on the quarter hour between 09:00 and 17:00, some from other types.
        quarters = sorted(rng.sample(range(36, 68), rng.randint(4, 6)))
        for quarter in quarters:
            local_start = datetime.combine(day, time(quarter // 4, quarter % 4 * 15), zone)
            start = local_start.astimezone(UTC)
            busy.append(
                Busy(
                    start=start,
                    end=start + timedelta(minutes=rng.choice((30, 45, 60))),
                    buffer_before=timedelta(minutes=rng.choice((0, 5, 15))),
                    buffer_after=timedelta(minutes=rng.choice((0, 5, 15))),
                    counts_toward_cap=rng.random() < 0.8,
                )
            )
    overrides = (
        DateOverride(day=date(2025, 10, 20 + index), ranges=()),
        DateOverride(day=date(2025, 11, 3 + index), ranges=((time(14), time(18)),)),
    )
    return Host(
        id=f"host-{index}",
        time_zone=ZONES[index],
        weekly=weekly,
        overrides=overrides,
        busy=tuple(busy),
        priority=index % 2,
        upcoming_bookings=rng.randint(0, 10),
    )


def run(runs: int, warmup: int) -> None:
    rng = random.Random(20251015)
    hosts = [build_host(index, rng) for index in range(len(ZONES))]

    def once() -> int:
        return len(
            compute_slots(rules=RULES, hosts=hosts, start=QUERY_START, end=QUERY_END, now=NOW)
        )

    for _ in range(warmup):
        once()
    timings = []
    slot_count = 0
    for _ in range(runs):
        began = clock.perf_counter()
        slot_count = once()
        timings.append((clock.perf_counter() - began) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    busy_count = sum(len(host.busy) for host in hosts)
    print(f"hosts={len(hosts)} busy={busy_count} days=30 slots={slot_count} runs={runs}")
    print(
        f"median={statistics.median(timings):.2f} ms  p95={p95:.2f} ms  "
        f"min={timings[0]:.2f} ms  max={timings[-1]:.2f} ms  (target < 50 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    arguments = parser.parse_args()
    run(arguments.runs, arguments.warmup)


if __name__ == "__main__":
    main()
