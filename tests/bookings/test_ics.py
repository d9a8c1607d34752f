"""The invitation files of a booking, a reschedule and a cancellation, read back with the
icalendar library: one UID, a growing SEQUENCE, METHOD REQUEST or CANCEL, times in UTC."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from apps.bookings import services
from apps.bookings.ics import booking_ics

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 5, 4, 8, tzinfo=UTC)


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return calendar, events[0]


def test_booking_reschedule_and_cancellation(make_host, make_offer, booker):
    host = make_host("Europe/Berlin", email="hana@northwind.test")
    offer = make_offer([host], duration_minutes=45, interval_minutes=15)
    booking = services.booking_create(
        consultation_type=offer, start=datetime(2026, 5, 6, 10, tzinfo=BERLIN),
        booker=booker(), consent=True, idempotency_key="ics-test-001", now=NOW,
    ).booking  # fmt: skip
    calendar, event = parse(booking_ics(booking, manage_url="https://x.test/book/manage/t/"))
    uid = str(event["uid"])
    assert str(calendar["method"]) == "REQUEST"
    assert uid == f"booking-{booking.pk}@launchpad"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == datetime(2026, 5, 6, 8, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 5, 6, 8, 45, tzinfo=UTC)
    assert event["dtstart"].to_ical() == b"20260506T080000Z"  # written in UTC
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["organizer"]) == "mailto:hana@northwind.test"
    assert str(event["attendee"]) == "mailto:fran@acme.test"
    assert "https://x.test/book/manage/t/" in str(event["description"])

    moved = services.booking_reschedule(
        booking=booking, new_start=datetime(2026, 5, 7, 14, 15, tzinfo=BERLIN),
        by_booker=True, now=NOW,
    )  # fmt: skip
    calendar, event = parse(booking_ics(moved))
    assert (str(calendar["method"]), str(event["uid"]), int(event["sequence"])) == (
        "REQUEST", uid, 1,
    )  # fmt: skip
    assert event.decoded("dtstart") == datetime(2026, 5, 7, 12, 15, tzinfo=UTC)

    cancelled = services.booking_cancel(
        booking=moved, reason="Plans changed", by_booker=True, now=NOW
    )
    calendar, event = parse(booking_ics(cancelled))
    assert (str(calendar["method"]), str(event["uid"]), int(event["sequence"])) == (
        "CANCEL", uid, 2,
    )  # fmt: skip
    assert str(event["status"]) == "CANCELLED"
