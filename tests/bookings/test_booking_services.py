"""Booking against the database: slots where they belong across time zones and DST changes,
every refusal explained with nothing booked, double submits, no double booking under
concurrency (PostgreSQL), rescheduling and cancelling by the booker, and the emails."""

import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from apps.bookings import services
from apps.bookings.availability import available_slots
from apps.bookings.models import Booking, BookingEvent
from apps.core.errors import ApplicationError
from apps.core.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def key() -> str:
    return uuid.uuid4().hex


def local_starts(slots, zone):
    return [s.start.astimezone(ZoneInfo(zone)).strftime("%a %d %H:%M") for s in slots]


def book(offer, start, booker, now, **kwargs):
    return services.booking_create(
        consultation_type=offer,
        start=start,
        booker=booker(),
        consent=True,
        idempotency_key=kwargs.pop("idempotency_key", key()),
        now=now,
        **kwargs,
    ).booking


# --- Time zones -------------------------------------------------------------------------------


def test_berlin_host_seen_from_new_york_across_the_us_spring_forward(make_host, make_offer):
    """US clocks move on 8 March 2026, Europe's on 29 March: for three weeks the gap between
    New York and Berlin is 5 hours instead of 6, and the New York booker sees it."""
    host = make_host("Europe/Berlin")
    offer = make_offer([host], duration_minutes=60, interval_minutes=60)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    ny = ZoneInfo("America/New_York")

    def day_starts(day):
        start = datetime.combine(day, time.min, tzinfo=ny)
        return local_starts(
            available_slots(offer, start=start, end=start + timedelta(days=1), now=now),
            "America/New_York",
        )

    # Friday 6 March (US on EST, UTC-5; Berlin CET, UTC+1): 09:00 Berlin = 03:00 New York.
    assert day_starts(date(2026, 3, 6)) == [f"Fri 06 {h:02d}:00" for h in range(3, 11)]
    # Monday 9 March (US on EDT, UTC-4; Berlin still CET): 09:00 Berlin = 04:00 New York.
    assert day_starts(date(2026, 3, 9)) == [f"Mon 09 {h:02d}:00" for h in range(4, 12)]
    # Monday 30 March (both on summer time again): back to a 6-hour difference.
    assert day_starts(date(2026, 3, 30)) == [f"Mon 30 {h:02d}:00" for h in range(3, 11)]


def test_sydney_host_seen_from_kolkata_across_sydneys_april_change(make_host, make_offer):
    """Sydney leaves summer time on Sunday 5 April 2026 (UTC+11 to UTC+10); Kolkata has no
    DST (UTC+5:30). A 10:00 Sydney slot is 04:30 in Kolkata before and 05:30 after."""
    host = make_host("Australia/Sydney", weekly={d: [(time(10), time(11))] for d in range(7)})
    offer = make_offer([host], duration_minutes=60, interval_minutes=60)
    now = datetime(2026, 3, 30, tzinfo=UTC)
    kolkata = ZoneInfo("Asia/Kolkata")
    start = datetime(2026, 4, 3, tzinfo=kolkata)
    slots = available_slots(offer, start=start, end=start + timedelta(days=5), now=now)
    assert local_starts(slots, "Asia/Kolkata") == [
        "Fri 03 04:30", "Sat 04 04:30", "Sun 05 05:30", "Mon 06 05:30", "Tue 07 05:30",
    ]  # fmt: skip
    assert [s.start.astimezone(ZoneInfo("Australia/Sydney")).hour for s in slots] == [10] * 5


def test_new_york_host_seen_from_berlin_across_the_eu_autumn_change(make_host, make_offer):
    """Europe leaves summer time on 25 October 2026, the US on 1 November: in between, a
    09:00 New York slot is 14:00 in Berlin instead of 15:00."""
    host = make_host("America/New_York", weekly={d: [(time(9), time(10))] for d in range(7)})
    offer = make_offer([host], duration_minutes=60, interval_minutes=60)
    now = datetime(2026, 10, 20, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 24, tzinfo=berlin)
    slots = available_slots(offer, start=start, end=start + timedelta(days=10), now=now)
    assert local_starts(slots, "Europe/Berlin") == [
        "Sat 24 15:00", "Sun 25 14:00", "Mon 26 14:00", "Tue 27 14:00", "Wed 28 14:00",
        "Thu 29 14:00", "Fri 30 14:00", "Sat 31 14:00", "Sun 01 15:00", "Mon 02 15:00",
    ]  # fmt: skip


def test_date_override_and_buffer_next_to_an_existing_booking(make_host, make_offer, owner, booker):
    host = make_host("Asia/Kolkata")
    offer = make_offer([host], buffer_before_minutes=15, buffer_after_minutes=15)
    kolkata = ZoneInfo("Asia/Kolkata")
    now = datetime(2026, 6, 1, tzinfo=UTC)
    # Tuesday 2 June: only 14:00-16:00; Wednesday 3 June: a day off.
    services.override_save(
        actor=owner, member=host, day=date(2026, 6, 2), ranges=[(time(14), time(16))]
    )
    services.override_save(actor=owner, member=host, day=date(2026, 6, 3), ranges=[])
    start = datetime(2026, 6, 2, tzinfo=kolkata)
    slots = available_slots(offer, start=start, end=start + timedelta(days=2), now=now)
    assert local_starts(slots, "Asia/Kolkata") == [
        "Tue 02 14:00", "Tue 02 14:30", "Tue 02 15:00", "Tue 02 15:30",
    ]  # fmt: skip
    # A booking at 14:30-15:00 with 15-minute buffers blocks 14:15-15:15, so 14:00 (which
    # would end at 14:30 plus its own 15-minute buffer) and 15:00 are gone as well.
    book(offer, datetime(2026, 6, 2, 14, 30, tzinfo=kolkata), booker, now)
    slots = available_slots(offer, start=start, end=start + timedelta(days=2), now=now)
    assert local_starts(slots, "Asia/Kolkata") == ["Tue 02 15:30"]


# --- Refusals ---------------------------------------------------------------------------------


@pytest.fixture
def berlin_offer(make_host, make_offer):
    host = make_host("Europe/Berlin")
    return make_offer(
        [host],
        minimum_notice_minutes=24 * 60,
        booking_window_days=14,
        daily_cap=1,
        duration_minutes=30,
    )


NOW = datetime(2026, 5, 4, 8, tzinfo=UTC)  # Monday 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("start", "code", "message"),
    [
        (datetime(2026, 5, 6, 20, tzinfo=BERLIN), "outside_availability", "Nobody is available"),
        (datetime(2026, 5, 1, 10, tzinfo=BERLIN), "in_the_past", "in the past"),
        (
            datetime(2026, 5, 4, 15, tzinfo=BERLIN),
            "inside_minimum_notice",
            "at least 1 day's notice",
        ),
        (datetime(2026, 6, 30, 10, tzinfo=BERLIN), "beyond_booking_window", "up to 14 days ahead"),
        (datetime(2026, 5, 6, 10, 10, tzinfo=BERLIN), "misaligned", "start times shown"),
    ],
)
def test_refusals_are_explained_and_nothing_is_booked(berlin_offer, booker, start, code, message):
    with pytest.raises(ApplicationError) as excinfo:
        book(berlin_offer, start, booker, NOW)
    assert excinfo.value.code == code
    assert message in excinfo.value.message
    assert not Booking.objects.exists()


def test_daily_cap_is_explained(berlin_offer, booker):
    book(berlin_offer, datetime(2026, 5, 6, 10, tzinfo=BERLIN), booker, NOW)
    with pytest.raises(ApplicationError, match="fully booked") as excinfo:
        book(berlin_offer, datetime(2026, 5, 6, 14, tzinfo=BERLIN), booker, NOW)
    assert excinfo.value.code == "daily_cap_reached"
    assert Booking.objects.count() == 1


def test_taken_slot_is_a_conflict(berlin_offer, booker):
    start = datetime(2026, 5, 6, 10, tzinfo=BERLIN)
    book(berlin_offer, start, booker, NOW)
    with pytest.raises(services.SlotTakenError) as excinfo:
        book(berlin_offer, start, booker, NOW)
    assert excinfo.value.status == 409
    assert Booking.objects.count() == 1


def test_consent_and_bad_answers_are_refused(berlin_offer, booker):
    start = datetime(2026, 5, 6, 10, tzinfo=BERLIN)
    with pytest.raises(ValidationError) as excinfo:
        services.booking_create(
            consultation_type=berlin_offer, start=start, booker=booker(platform="nocode"),
            consent=False, idempotency_key=key(), now=NOW,
        )  # fmt: skip
    assert {"consent", "platform"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError, match="out of date"):
        book(berlin_offer, start, booker, NOW, idempotency_key="x")
    assert not Booking.objects.exists()


def test_a_double_submit_books_once(berlin_offer, booker):
    start = datetime(2026, 5, 6, 10, tzinfo=BERLIN)
    first = book(berlin_offer, start, booker, NOW, idempotency_key="same-form-123")
    again = book(berlin_offer, start, booker, NOW, idempotency_key="same-form-123")
    assert again.pk == first.pk
    assert Booking.objects.count() == 1


def test_round_robin_gives_the_slot_to_the_least_busy_host(make_host, make_offer, booker):
    busy, free = make_host("Europe/Berlin"), make_host("Europe/Berlin")
    offer = make_offer([busy, free])
    first = book(offer, datetime(2026, 5, 6, 10, tzinfo=BERLIN), booker, NOW, host=busy)
    assert first.host == busy
    second = book(offer, datetime(2026, 5, 7, 10, tzinfo=BERLIN), booker, NOW)
    assert second.host == free  # fewer upcoming bookings
    # Both free at the same time: the one with fewer bookings still wins, then priority.
    third = book(offer, datetime(2026, 5, 6, 10, tzinfo=BERLIN), booker, NOW)
    assert third.host == free


# --- Concurrency ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_people_booking_one_slot_at_once_get_exactly_one_booking(
    make_host, make_offer, booker
):
    host = make_host("Europe/Berlin")
    offer = make_offer([host])
    start = datetime(2026, 5, 6, 10, tzinfo=BERLIN)
    barrier = threading.Barrier(20)
    outcomes = []
    lock = threading.Lock()

    def attempt(n):
        try:
            barrier.wait()
            # Each thread is a request of its own: it works in the agency's scope.
            with tenant_context(offer.agency):
                booking = services.booking_create(
                    consultation_type=offer, start=start,
                    booker=booker(email=f"person{n}@example.test"), consent=True,
                    idempotency_key=f"thread-{n}-{uuid.uuid4().hex}", now=NOW,
                ).booking  # fmt: skip
            result = ("booked", booking.pk)
        except services.SlotTakenError as exc:
            result = ("taken", exc.message)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    booked = [o for o in outcomes if o[0] == "booked"]
    taken = [o for o in outcomes if o[0] == "taken"]
    assert len(booked) == 1
    assert len(taken) == 19
    assert all("just taken" in message for _, message in taken)
    assert Booking.objects.filter(host=host, status="confirmed").count() == 1


@pytest.mark.postgres
def test_the_database_itself_refuses_an_overlapping_booking(make_host, make_offer, booker):
    """Even a write that skips the service's check cannot double-book a host."""
    from django.db import IntegrityError, transaction

    host = make_host("Europe/Berlin")
    offer = make_offer([host], buffer_after_minutes=10)
    first = book(offer, datetime(2026, 5, 6, 10, tzinfo=BERLIN), booker, NOW)
    clash = Booking(
        agency=first.agency, consultation_type=offer, host=host,
        start=first.end, end=first.end + timedelta(minutes=30),
        blocked_start=first.end, blocked_end=first.end + timedelta(minutes=30),
        booker_name="X", booker_email="x@example.test", booker_time_zone="UTC",
        consent_at=NOW, idempotency_key=key(),
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()  # starts inside the first booking's 10-minute buffer
    clash.status = "cancelled"
    clash.save()  # cancelled bookings do not block
    assert Booking.objects.count() == 2


# --- Rescheduling and cancelling ----------------------------------------------------------------


def test_booker_reschedules_and_cancels_within_the_policy(berlin_offer, booker, owner):
    services.policy_save(actor=owner, cancel_notice_hours=24, max_reschedules=1)
    booking = book(berlin_offer, datetime(2026, 5, 6, 10, tzinfo=BERLIN), booker, NOW)
    moved = services.booking_reschedule(
        booking=booking, new_start=datetime(2026, 5, 7, 11, tzinfo=BERLIN),
        reason="Clash with a board meeting", by_booker=True, now=NOW,
    )  # fmt: skip
    assert (moved.sequence, moved.reschedule_count) == (1, 1)
    assert moved.start == datetime(2026, 5, 7, 11, tzinfo=BERLIN)
    with pytest.raises(ApplicationError, match="the most we allow") as excinfo:
        services.booking_reschedule(
            booking=moved, new_start=datetime(2026, 5, 8, 11, tzinfo=BERLIN), by_booker=True,
            now=NOW,
        )  # fmt: skip
    assert excinfo.value.code == "reschedule_limit"
    with pytest.raises(ValidationError):
        services.booking_cancel(booking=moved, reason="  ", by_booker=True, now=NOW)
    late = datetime(2026, 5, 7, 0, tzinfo=UTC)  # 11 hours before the meeting
    with pytest.raises(ApplicationError, match="up to 24 hours before") as excinfo:
        services.booking_cancel(booking=moved, reason="Sick", by_booker=True, now=late)
    assert excinfo.value.code == "too_late"
    cancelled = services.booking_cancel(
        booking=moved, reason="Found a partner", by_booker=True, now=NOW
    )
    assert (cancelled.status, cancelled.sequence) == ("cancelled", 2)
    kinds = list(BookingEvent.objects.filter(booking=booking).values_list("kind", flat=True))
    assert kinds == ["booked", "rescheduled", "cancelled"]
    # The freed time can be booked again.
    book(berlin_offer, datetime(2026, 5, 7, 11, tzinfo=BERLIN), booker, NOW)


def test_confirmation_emails_carry_the_invitation_and_are_sent_once(
    berlin_offer, booker, committing
):
    from apps.notifications.dispatch import deliver
    from apps.notifications.models import Delivery

    booking = committing(book, berlin_offer, datetime(2026, 5, 6, 10, tzinfo=BERLIN), booker, NOW)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["fran@acme.test", booking.host.user.email]
    )
    booker_mail = next(m for m in mail.outbox if m.to == ["fran@acme.test"])
    assert "Wednesday 6 May 2026, 04:00 (America/New_York)" in booker_mail.subject
    assert "/book/manage/" in booker_mail.body
    _name, _content, mimetype = booker_mail.attachments[0]
    assert mimetype.startswith("text/calendar")
    assert "method=REQUEST" in mimetype
    # The notices are sent; delivered again (a message redelivered by the broker), nothing more.
    for row in Delivery.objects.filter(kind="booking.notice"):
        assert row.status == "sent"
        assert deliver(agency_id=str(row.agency_id), delivery_id=str(row.pk)) == "nothing to do"
    assert len(mail.outbox) == 2


def test_a_host_with_upcoming_bookings_cannot_be_removed_until_they_are_moved(
    berlin_offer, booker, owner
):
    from django.utils import timezone

    from apps.agencies.models import Membership
    from apps.agencies.services import membership_remove

    now = timezone.now()
    days_ahead = 7 + (2 - now.astimezone(BERLIN).weekday()) % 7  # a Wednesday next week or so
    start = datetime.combine(
        (now + timedelta(days=days_ahead)).astimezone(BERLIN).date(), time(10), tzinfo=BERLIN
    )
    booking = book(berlin_offer, start, booker, now)
    host = booking.host
    with pytest.raises(ApplicationError, match="hosts 1 upcoming consultation") as excinfo:
        membership_remove(actor=owner, membership=host)
    assert excinfo.value.code == "has_upcoming_bookings"
    assert Membership.objects.filter(pk=host.pk).exists()
    services.booking_cancel(booking=booking, reason="Host leaving", by_booker=False, actor=owner)
    membership_remove(actor=owner, membership=host)
    booking.refresh_from_db()
    assert booking.host is None  # the past record stays, without its former host
