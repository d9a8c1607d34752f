"""Booking reminders, in time: 24 hours and one hour before, to the booker and the host, in
each one's own zone (across the March DST change, which Europe and the US make on different
Sundays), once; a reschedule moves them, a cancellation drops them, and a meeting already
begun (beat was down) gets none."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from apps.bookings import services as booking_services
from apps.notifications.models import Delivery
from tests.notifications.conftest import sent_to, statuses

pytestmark = pytest.mark.django_db

REMINDER = "booking.reminder"
# Monday 30 March 2026, 10:00 in Berlin: a day after Europe's change to summer time (CEST,
# UTC+2), three weeks after New York's (EDT, UTC-4). 08:00 UTC.
START = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_both_sides_get_both_reminders_at_the_right_time_in_their_own_zone(book, dispatch):
    with time_machine.travel(datetime(2026, 3, 25, 12, 0, tzinfo=UTC), tick=False):
        booking = book(START)
        mail.outbox.clear()
    # The 24-hour reminder: Sunday 29 March, 08:00 UTC, the morning Berlin changed its clocks.
    with time_machine.travel(START - timedelta(hours=24, minutes=1), tick=False):
        dispatch()
        assert sent_to(REMINDER) == []
    with time_machine.travel(START - timedelta(hours=24), tick=False):
        dispatch()
        assert sent_to(REMINDER) == ["fran@acme.test", "hana.host@agency.test"]
        dispatch()  # again, as a second beat would: nothing more
        assert len(sent_to(REMINDER)) == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    booker_mail, host_mail = by_recipient["fran@acme.test"], by_recipient["hana.host@agency.test"]
    assert "04:00 (America/New_York)" in booker_mail.body
    assert "10:00 (Europe/Berlin)" in host_mail.body
    assert "tomorrow" in booker_mail.subject
    # The booker can cancel or reschedule; the host's copy opens the booking in the app.
    assert "/book/manage/" in booker_mail.body
    assert f"/bookings/{booking.pk}/" in host_mail.body
    assert all(m.attachments[0][0] == "invite.ics" for m in (booker_mail, host_mail))
    mail.outbox.clear()
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        dispatch()
    assert sent_to(REMINDER) == ["fran@acme.test", "hana.host@agency.test"]
    assert all("in one hour" in m.subject for m in mail.outbox)
    assert statuses(REMINDER) == ["sent"] * 4


def test_a_reschedule_moves_the_reminders_and_the_old_ones_never_go_out(book, dispatch):
    with time_machine.travel(datetime(2026, 3, 25, 12, 0, tzinfo=UTC), tick=False):
        booking = book(START)
        new_start = START + timedelta(days=1)  # Tuesday, same time
        booking_services.booking_reschedule(booking=booking, new_start=new_start, by_booker=True)
        mail.outbox.clear()
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        dispatch()  # when the old 24-hour and 1-hour reminders were due
    assert sent_to(REMINDER) == []
    with time_machine.travel(new_start - timedelta(hours=24), tick=False):
        dispatch()
    assert sent_to(REMINDER) == ["fran@acme.test", "hana.host@agency.test"]
    assert statuses(REMINDER).count("dropped") == 4


def test_a_cancellation_drops_the_reminders(book, dispatch):
    with time_machine.travel(datetime(2026, 3, 25, 12, 0, tzinfo=UTC), tick=False):
        booking = book(START)
        booking_services.booking_cancel(booking=booking, by_booker=True, reason="Found a fix")
        mail.outbox.clear()
    for lead in (24, 1):
        with time_machine.travel(START - timedelta(hours=lead), tick=False):
            dispatch()
    assert sent_to(REMINDER) == []
    assert statuses(REMINDER) == ["dropped"] * 4


def test_beat_down_past_the_meeting_drops_its_reminders_instead_of_sending_them(book, dispatch):
    with time_machine.travel(datetime(2026, 3, 25, 12, 0, tzinfo=UTC), tick=False):
        book(START)
        mail.outbox.clear()
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        dispatch()
    assert sent_to(REMINDER) == []
    assert statuses(REMINDER) == ["dropped"] * 4
    assert set(Delivery.objects.filter(kind=REMINDER).values_list("last_error", flat=True)) == {
        "the meeting has already begun"
    }


def test_a_booking_made_an_hour_and_a_half_ahead_gets_only_the_one_hour_reminder(book):
    with time_machine.travel(START - timedelta(minutes=90), tick=False):
        book(START)
    assert list(Delivery.objects.filter(kind=REMINDER).values_list("payload__lead", flat=True)) == [
        "1h",
        "1h",
    ]


def test_a_booker_who_unsubscribes_from_reminders_gets_none_the_host_still_does(
    book, dispatch, client
):
    with time_machine.travel(datetime(2026, 3, 25, 12, 0, tzinfo=UTC), tick=False):
        book(START)
    with time_machine.travel(START - timedelta(hours=24), tick=False):
        dispatch()
        booker_mail = next(m for m in mail.outbox if m.to == ["fran@acme.test"] and
                           m.extra_headers.get("X-Launchpad-Kind") == REMINDER)  # fmt: skip
        # RFC 8058: a one-click POST to the List-Unsubscribe address, with no cookie.
        assert booker_mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = booker_mail.extra_headers["List-Unsubscribe"].strip("<>")
        path = link.removeprefix("http://testserver")
        assert client.get(path).status_code == 200  # a page with a button: GET changes nothing
        response = client.post(path, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        mail.outbox.clear()
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        dispatch()
    assert sent_to(REMINDER) == ["hana.host@agency.test"]
