"""The booking page's month calendar (free days marked, the chosen day's times beside it,
plain links that work without JavaScript) and the booker's answers kept when the time they
chose was taken while they typed (issue 13)."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from apps.bookings.models import Booking
from apps.core.errors import ApplicationError
from apps.core.months import Month, month_from_query

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 8, tzinfo=UTC)  # Monday 4 May; 10:00 in Berlin


@pytest.fixture
def now(monkeypatch):
    current = {"value": NOW}
    monkeypatch.setattr("django.utils.timezone.now", lambda: current["value"])
    return current


@pytest.fixture
def offer(make_host, make_offer):
    return make_offer([make_host("Europe/Berlin", name="Hana Host")], minimum_notice_minutes=60)


def page(client, offer, language="en-GB", **params):
    url = reverse("book_offer", args=[offer.agency.slug, offer.slug])
    return client.get(url, {"tz": "Europe/Berlin", **params}, HTTP_ACCEPT_LANGUAGE=language)


def _free_days(response):
    return [
        cell.day.day
        for week in response.context["picker"].weeks
        for cell in week
        if cell and cell.count
    ]


def test_the_month_marks_its_free_days_as_links_and_the_others_not(client, offer, now):
    response = page(client, offer)
    body = response.content.decode()
    picker = response.context["picker"]
    assert picker.month == Month(2026, 5)
    # Weekdays from today (Monday 4 May) on; weekends and past days have no times.
    free = _free_days(response)
    assert free[:6] == [4, 5, 6, 7, 8, 11]
    assert 9 not in free
    assert 10 not in free
    assert 3 not in free
    assert 'data-day="2026-05-05"' in body  # a link a person (or a keyboard) can follow
    assert 'data-day="2026-05-09"' not in body
    assert "Saturday 9 May, no free times" in body
    assert "Tuesday 5 May, 16 free times" in body
    # The first free day's times are beside the calendar without a click.
    assert picker.day.isoformat() == "2026-05-04"
    assert picker.free_days == len(free)


def test_a_day_link_shows_that_days_times_without_javascript(client, offer, now):
    first = page(client, offer).content.decode()
    href = re.search(r'href="\?([^"]+)" data-day="2026-05-06"', first).group(1)
    params = dict(pair.split("=", 1) for pair in href.replace("&amp;", "&").split("&"))
    assert params["month"] == "2026-05"
    assert params["day"] == "2026-05-06"
    response = page(client, offer, month=params["month"], day=params["day"])
    times = [local.strftime("%H:%M") for _, local in response.context["picker"].times]
    assert (times[0], times[-1]) == ("09:00", "16:30")
    assert 'aria-current="date"' in response.content.decode()
    assert "Wednesday 6 May" in response.content.decode()


def test_the_week_starts_where_the_visitors_calendar_does(client, offer, now):
    uk = page(client, offer, language="en-GB").context["picker"]
    us = page(client, offer, language="en-US").context["picker"]
    assert uk.weekdays[0] == ("Mo", "Monday")
    assert us.weekdays[0] == ("Su", "Sunday")
    # May 2026 begins on a Friday: four blanks before it on Monday's calendar, five on Sunday's.
    assert [c is None for c in uk.weeks[0]].count(True) == 4
    assert [c is None for c in us.weeks[0]].count(True) == 5


def test_months_page_within_today_and_the_booking_window(client, offer, now):
    may = page(client, offer).context["picker"]
    assert may.previous is None
    assert may.next == Month(2026, 6)
    june = page(client, offer, month="2026-06").context["picker"]
    assert june.month == Month(2026, 6)
    assert june.previous == Month(2026, 5)
    assert _free_days(page(client, offer, month="2026-06"))[0] == 1  # Monday 1 June
    # The window is 60 days: 3 July is the last bookable day, so July is the last month.
    july = page(client, offer, month="2026-07").context["picker"]
    assert july.next is None
    assert max(_free_days(page(client, offer, month="2026-07"))) == 3
    # A month before today or past the window shows the nearest one that can be booked.
    assert page(client, offer, month="2026-01").context["picker"].month == Month(2026, 5)
    assert page(client, offer, month="2026-12").context["picker"].month == Month(2026, 7)


@pytest.mark.parametrize("value", ["junk", "2026-13", "2026-00", "0000-01", "2026-5", ""])
def test_a_malformed_month_is_as_if_none_was_given(client, offer, now, value):
    response = page(client, offer, month=value)
    assert response.status_code == 200
    assert response.context["picker"].month == Month(2026, 5)


def test_a_month_outside_the_dates_we_accept_is_a_clear_400(client, offer, now):
    response = page(client, offer, month="9999-12")
    assert response.status_code == 400
    assert month_from_query("2026-05") == Month(2026, 5)
    with pytest.raises(ApplicationError, match="date"):
        month_from_query("9999-12")


def test_late_in_a_month_with_nothing_left_the_next_month_opens(client, offer, now):
    now["value"] = datetime(2026, 5, 30, 12, tzinfo=UTC)  # Saturday 30 May: no hours left
    picker = page(client, offer).context["picker"]
    assert picker.month == Month(2026, 6)
    assert picker.day.isoformat() == "2026-06-01"
    # Asked for by name, May is shown as it is: empty, pointing to June.
    asked = page(client, offer, month="2026-05")
    assert asked.context["picker"].month == Month(2026, 5)
    assert "No free times in May" in asked.content.decode()
    assert "month=2026-06" in asked.content.decode()


def test_the_reschedule_picker_is_the_same_month_calendar(client, offer, now, booker):
    from apps.bookings import services
    from apps.bookings.tokens import manage_token

    booking = services.booking_create(
        consultation_type=offer,
        start=datetime(2026, 5, 6, 8, tzinfo=UTC),
        booker=booker(),
        consent=True,
        idempotency_key="reschedule-picker",
    ).booking
    url = reverse("booking_manage", args=[manage_token(booking)])
    response = client.get(url, {"reschedule": 1, "tz": "Europe/Berlin", "month": "2026-06"})
    assert response.context["picker"].month == Month(2026, 6)
    assert "reschedule=1" in response.content.decode()


# --- The booker's answers kept when the time was just taken ---------------------------------


def _answers(form_page, **overrides):
    form = form_page.context["form"]
    data = {name: form[name].value() for name in ("start", "time_zone", "idempotency_key")}
    data.update(
        name="Fran Founder", email="fran@acme.test", company="Acme", consent="on",
        prototype_url="https://acme.lovable.app", platform="lovable", expected_users="20000",
        compliance=["gdpr", "hipaa"], notes="Payments next month",
    )  # fmt: skip
    data.update(overrides)
    return data


def test_a_time_taken_meanwhile_keeps_the_answers_and_offers_that_days_free_times(
    client, offer, now
):
    url = reverse("book_offer", args=[offer.agency.slug, offer.slug])
    chosen = {"day": "2026-05-06", "start": "2026-05-06T08:00:00+00:00"}
    winner = _answers(page(client, offer, **chosen), email="quick@other.test")
    loser = _answers(page(client, offer, **chosen), email="other@acme.test", name="Dana Slow")
    client.post(url, winner)
    response = client.post(f"{url}?tz=Europe/Berlin&day=2026-05-06", loser)
    body = response.content.decode()
    assert response.status_code == 409
    assert "That time was just taken" in body
    # The answers come back filled in...
    form = response.context["form"]
    assert form["name"].value() == "Dana Slow"
    assert form["email"].value() == "other@acme.test"
    assert form["notes"].value() == "Payments next month"
    assert set(form["compliance"].value()) == {"gdpr", "hipaa"}
    assert 'value="Dana Slow"' in body
    assert "Payments next month" in body
    # ...with that day's free times to choose from, the taken one gone, the first chosen.
    starts = re.findall(r'<input type="radio" name="start" value="([^"]+)"( checked)?', body)
    assert starts
    assert starts[0][1] == " checked"
    assert "2026-05-06T08:00:00+00:00" not in [value for value, _ in starts]
    assert all(value.startswith("2026-05-06") for value, _ in starts)
    # A fresh idempotency key: the refused attempt is not this one's replay.
    assert form["idempotency_key"].value() != loser["idempotency_key"]
    # Choosing one of them and sending books it with the answers kept.
    again = {
        key: form[key].value() for key in ("time_zone", "idempotency_key", "name", "email",
                                           "company", "prototype_url", "platform", "notes")
    }  # fmt: skip
    again.update(start=starts[1][0], consent="on", compliance=form["compliance"].value(),
                 expected_users=form["expected_users"].value())  # fmt: skip
    booked = client.post(url, {k: v for k, v in again.items() if v is not None})
    assert booked.status_code == 302
    mine = Booking.objects.get(booker_email="other@acme.test")
    assert mine.start.isoformat() == starts[1][0]
    assert (mine.booker_name, mine.notes, sorted(mine.compliance)) == (
        "Dana Slow", "Payments next month", ["gdpr", "hipaa"],
    )  # fmt: skip
    assert Booking.objects.count() == 2
