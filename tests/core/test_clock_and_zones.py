"""The viewer's clock and zones by city (issue 13)."""

from datetime import UTC, datetime, time

import pytest

from apps.core.clock import MONDAY, SUNDAY, clock_for_language, week_start_for_language
from apps.core.templatetags.ui import hm, zone_city
from apps.core.zones import canonical, choices, label


@pytest.mark.parametrize(
    ("header", "clock"),
    [
        ("en-US,en;q=0.9", "12"),
        ("en-GB,en;q=0.9", "24"),
        ("en", "12"),
        ("en-IE", "24"),
        ("en-IN", "12"),
        ("hi-IN", "12"),
        ("de-DE,de;q=0.9,en;q=0.8", "24"),
        ("fr", "24"),
        ("es-US", "12"),
        ("zh-Hant-TW", "24"),
        ("", "24"),
        ("*", "24"),
        ("not a language tag at all", "24"),
    ],
)
def test_the_clock_follows_the_browsers_language(header, clock):
    assert clock_for_language(header) == clock


@pytest.mark.parametrize(
    ("header", "start"),
    [
        ("en-US,en;q=0.9", SUNDAY),
        ("en-GB", MONDAY),
        ("en", SUNDAY),
        ("de-DE", MONDAY),
        ("pt-BR", SUNDAY),
        ("es-ES", MONDAY),
        ("ja", SUNDAY),
        ("fr-CA", SUNDAY),
        ("", MONDAY),
        ("garbage!", MONDAY),
    ],
)
def test_the_week_starts_on_the_visitors_first_day(header, start):
    assert week_start_for_language(header) == start


def test_times_on_either_clock():
    assert [hm(time(h, m), "12") for h, m in [(0, 5), (9, 30), (12, 0), (23, 45)]] == [
        "12:05 AM", "9:30 AM", "12:00 PM", "11:45 PM",
    ]  # fmt: skip
    assert hm(time(9, 30), "24") == "09:30"
    assert hm(None, "12") == ""


def test_zones_by_city_with_todays_offset_across_a_dst_change():
    winter, summer = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC)
    assert label("Asia/Kolkata", winter) == "Kolkata (Asia) · UTC+05:30"
    assert label("America/New_York", winter) == "New York (America) · UTC-05:00"
    assert label("America/New_York", summer) == "New York (America) · UTC-04:00"
    assert label("America/Argentina/Buenos_Aires", winter).startswith("Buenos Aires (America)")
    assert zone_city("Asia/Kolkata") == "Kolkata time"
    assert zone_city("UTC") == "UTC"


def test_the_list_is_by_city_without_old_or_technical_names():
    names = [name for name, _ in choices(datetime(2026, 1, 15, tzinfo=UTC))]
    assert "Asia/Kolkata" in names
    assert "Asia/Calcutta" not in names
    assert not [n for n in names if n.startswith(("Etc/", "US/"))]
    labels = [text for _, text in choices(datetime(2026, 1, 15, tzinfo=UTC))]
    assert labels == sorted(labels, key=lambda t: t.split(" (")[0].lower())
    assert canonical("Asia/Calcutta") == "Asia/Kolkata"
