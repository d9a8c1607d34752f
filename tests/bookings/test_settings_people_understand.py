"""Settings a person understands (issue 13, item 5): the weekly hours as a grid with each
day's hours summed up, date overrides on a calendar, notice in hours and days rather than
minutes, and times on the viewer's clock on the staff pages too."""

import re
from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse

from apps.bookings import services
from apps.bookings.forms import OfferForm, PolicyForm
from apps.bookings.models import ConsultationType, DateOverride
from apps.core.forms import DurationField

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 12, 2, 9, tzinfo=UTC)  # Monday 2 December 2030
DASH = "\N{EN DASH}"
WORKDAYS = {day: [(time(9), time(12)), (time(13), time(17))] for day in range(5)}


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


def url(name, agency, *args) -> str:
    return reverse(name, args=[agency.slug, *args])


@pytest.fixture
def hours(owner, engineer):
    return services.schedule_save(actor=owner, member=engineer, time_zone="UTC", weekly=WORKDAYS)


def _cells(response):
    return {cell.day: cell for week in response.context["calendar"].weeks for cell in week if cell}


def test_the_calendar_shows_each_dates_hours_weekly_or_overridden(
    hours, engineer, owner, login, agency
):
    services.override_save(actor=owner, member=engineer, day=date(2030, 12, 24), ranges=[])
    services.override_save(
        actor=owner, member=engineer, day=date(2030, 12, 27), ranges=[(time(10), time(11))]
    )
    response = login(engineer).get(url("availability", agency), HTTP_ACCEPT_LANGUAGE="en-GB")
    cells = _cells(response)
    assert response.context["calendar"].month.key == "2030-12"
    assert cells[date(2030, 12, 3)].hours == [(time(9), time(12)), (time(13), time(17))]
    assert cells[date(2030, 12, 7)].hours == []  # Saturday: no weekly hours
    assert cells[date(2030, 12, 24)].day_off
    assert cells[date(2030, 12, 27)].override
    assert cells[date(2030, 12, 27)].hours == [(time(10), time(11))]
    assert cells[date(2030, 12, 1)].past
    body = response.content.decode()
    assert "Tuesday 24 December: day off" in body
    assert "Friday 27 December: 10:00 to 11:00 (other hours that day)" in body
    assert "Saturday 7 December: not bookable" in body
    # Monday first in Britain; each future date links to the date form below.
    assert response.context["calendar"].weekdays[0] == ("Mo", "Monday")
    assert "month=2030-12&amp;day=2030-12-10#add-date" in body


def test_choosing_a_date_fills_in_the_form_with_what_it_has(hours, engineer, owner, login, agency):
    services.override_save(
        actor=owner, member=engineer, day=date(2030, 12, 27),
        ranges=[(time(10), time(11))], note="Dentist",
    )  # fmt: skip
    client = login(engineer)
    form = client.get(url("availability", agency), {"day": "2030-12-27"}).context["override_form"]
    assert form["day"].value() == date(2030, 12, 27)
    assert (form["r0_start"].value(), form["r0_end"].value()) == ("10:00", "11:00")
    assert form["note"].value() == "Dentist"
    assert not form["day_off"].value()
    fresh = client.get(url("availability", agency), {"day": "2030-12-30"}).context["override_form"]
    assert fresh["day"].value() == date(2030, 12, 30)
    assert fresh["r0_start"].value() is None
    # Saving from there replaces that date's override rather than adding a second one.
    client.post(
        url("availability", agency),
        {"form": "override", "override-day": "2030-12-27", "override-day_off": "on"},
    )
    assert list(DateOverride.objects.values_list("day", "ranges")) == [(date(2030, 12, 27), [])]


@pytest.mark.parametrize("value", ["junk", "2030-02-30", ""])
def test_a_malformed_date_or_month_on_the_calendar_is_ignored(
    hours, engineer, login, agency, value
):
    response = login(engineer).get(url("availability", agency), {"day": value, "month": value})
    assert response.status_code == 200
    assert response.context["calendar"].month.key == "2030-12"
    assert "day" not in response.context["override_form"].initial


def test_a_date_far_outside_the_accepted_range_is_a_clear_400(hours, engineer, login, agency):
    client = login(engineer)
    assert client.get(url("availability", agency), {"day": "9999-12-31"}).status_code == 400
    assert client.get(url("availability", agency), {"month": "9999-12"}).status_code == 400


def test_the_calendar_pages_by_month_and_an_admin_sees_anyones(
    hours, engineer, admin_member, login, agency
):
    response = login(admin_member).get(
        url("availability", agency), {"member": engineer.pk, "month": "2031-02"}
    )
    calendar = response.context["calendar"]
    assert (calendar.month.key, calendar.previous.key, calendar.next.key) == (
        "2031-02", "2031-01", "2031-03",
    )  # fmt: skip
    assert f"member={engineer.pk}&amp;month=2031-03" in response.content.decode()


def test_the_weekly_grid_sums_up_each_day_on_the_viewers_clock(hours, engineer, login, agency):
    client = login(engineer)
    british = client.get(url("availability", agency), HTTP_ACCEPT_LANGUAGE="en-GB")
    american = client.get(url("availability", agency), HTTP_ACCEPT_LANGUAGE="en-US")
    assert f"09:00{DASH}12:00, 13:00{DASH}17:00" in british.content.decode()
    assert f"9:00 AM{DASH}12:00 PM, 1:00 PM{DASH}5:00 PM" in american.content.decode()
    assert "data-copy-monday" in british.content.decode()


# --- Notice in hours and days -----------------------------------------------------------------


def test_notice_is_shown_in_the_largest_whole_unit(agency):
    form = OfferForm(agency=agency, initial={"minimum_notice_minutes": 2880})
    assert form["minimum_notice_minutes"].field.widget.decompress(2880) == [2, "days"]
    assert form["minimum_notice_minutes"].field.widget.decompress(240) == [4, "hours"]
    assert form["minimum_notice_minutes"].field.widget.decompress(90) == [90, "minutes"]
    html = str(form["minimum_notice_minutes"])
    assert 'value="2"' in html
    assert '<option value="days" selected>' in html
    assert '<label class="visually-hidden" for="id_minimum_notice_minutes_1">Unit</label>' in html


def _offer_data(**fields):
    data = {
        "name": "Architecture review", "slug": "", "duration_minutes": "60",
        "interval_minutes": "30", "buffer_before_minutes": "0", "buffer_after_minutes": "0",
        "minimum_notice_minutes_0": "2", "minimum_notice_minutes_1": "days",
        "booking_window_days": "30", "location": "video", "host_choice": "round_robin",
        "is_active": "on",
    }  # fmt: skip
    data.update(fields)
    return data


def test_an_offer_saves_notice_typed_in_days_and_hours(admin_member, login, agency):
    client = login(admin_member)
    assert client.post(url("offers", agency), _offer_data()).status_code == 302
    assert ConsultationType.objects.get().minimum_notice_minutes == 2 * 24 * 60
    page = client.get(url("offer_edit", agency, ConsultationType.objects.get().pk))
    assert '<option value="days" selected>' in page.content.decode()


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        ("31", "days", "At most 30 days."),
        ("721", "hours", "At most 30 days."),
        ("abc", "hours", "Enter a whole number."),
        ("-1", "hours", "greater than or equal to 0"),
        ("2", "weeks", "Select a valid choice."),
        ("", "hours", "This field is required."),
    ],
)
def test_bad_notice_is_explained_in_the_unit_and_saves_nothing(
    admin_member, login, agency, amount, unit, message
):
    body = _offer_data(minimum_notice_minutes_0=amount, minimum_notice_minutes_1=unit)
    response = login(admin_member).post(url("offers", agency), body)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ConsultationType.objects.exists()


def test_the_cancel_notice_is_typed_in_hours_or_days():
    form = PolicyForm(
        {"cancel_notice_hours_0": "2", "cancel_notice_hours_1": "days",
         "max_reschedules": "1", "privacy_notice": "We keep it."}
    )  # fmt: skip
    assert form.is_valid(), form.errors
    assert form.cleaned_data["cancel_notice_hours"] == 48
    too_long = PolicyForm(
        {"cancel_notice_hours_0": "15", "cancel_notice_hours_1": "days",
         "max_reschedules": "1", "privacy_notice": "We keep it."}
    )  # fmt: skip
    assert not too_long.is_valid()
    assert too_long.errors["cancel_notice_hours"] == ["At most 14 days."]


def test_a_duration_bound_is_named_in_whole_units():
    field = DurationField(units=(("minutes", 1), ("hours", 60)), max_value=90)
    with pytest.raises(Exception, match="At most 90 minutes"):
        field.clean(["2", "hours"])
    assert field.clean(["1", "hours"]) == 60


# --- The viewer's clock on staff pages --------------------------------------------------------


def test_staff_pages_show_times_on_the_viewers_clock(hours, engineer, owner, login, agency):
    offer = services.offer_save(
        actor=owner, hosts=[engineer], name="Review", slug="review", duration_minutes=30,
        interval_minutes=30, minimum_notice_minutes=0, location="video",
    )  # fmt: skip
    booking = services.booking_create(
        consultation_type=offer, start=datetime(2030, 12, 3, 14, 30, tzinfo=UTC),
        booker=services.Booker(name="Fran", email="fran@acme.test", time_zone="UTC"),
        consent=True, idempotency_key="c" * 32,
    ).booking  # fmt: skip
    client = login(engineer)
    detail = url("booking_detail", agency, booking.pk)

    def when(language):
        body = client.get(detail, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        return re.search(r'class="muted booking-when">(.*?)</p>', body, re.S).group(1)

    american, british = when("en-US"), when("en-GB")
    assert re.search(r">Tuesday 3 December 2030, \d{1,2}:30 PM</time>", american), american
    assert re.search(r">Tuesday 3 December 2030, \d\d:30</time>", british), british
