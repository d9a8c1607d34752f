"""The agency side of booking through the browser's eyes (Django's test client): the bookings
list and week view in the viewer's time zone, who sees what, cancelling with a reason (and
the emails), no-shows, turning a booking into a client and engagement, each host's weekly
hours and date overrides, consultation types and the booking policy. Bad input is explained
and changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.agencies.roles import Role
from apps.bookings import services
from apps.bookings.models import (
    Booking,
    BookingEvent,
    BookingPolicy,
    ConsultationHost,
    ConsultationType,
    DateOverride,
    Schedule,
    WeeklyRange,
)
from apps.clients.models import Client, ClientContact
from apps.core.errors import ApplicationError
from apps.projects.models import Project
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db]

DASH = "\u2013"  # the en dash between the start and end of a time range
WORKDAYS = {day: [(time(9), time(12)), (time(13), time(17))] for day in range(5)}


@pytest.fixture
def offer(agency, owner, engineer, admin_member):
    for member in (engineer, admin_member):
        services.schedule_save(
            actor=owner, member=member, time_zone="Europe/Berlin", weekly=WORKDAYS
        )
    return services.offer_save(
        actor=owner,
        hosts=[engineer, admin_member],
        name="Prototype review",
        slug="prototype-review",
        duration_minutes=45,
        location="video",
        location_detail="https://meet.example/review",
    )


@pytest.fixture
def make_booking(agency, offer):
    """A booking row made directly (any time, past or future; no availability needed)."""

    def make(host, start: datetime, **fields) -> Booking:
        values = {
            "booker_name": "Fran Founder",
            "booker_email": "fran@acme.test",
            "booker_company": "Acme",
            "booker_time_zone": "America/New_York",
        }
        return Booking.objects.create(
            agency=agency,
            consultation_type=offer,
            host=host,
            start=start,
            end=start + timedelta(minutes=45),
            blocked_start=start,
            blocked_end=start + timedelta(minutes=45),
            consent_at=timezone.now(),
            idempotency_key=uuid.uuid4().hex,
            **{**values, **fields},
        )

    return make


def soon(hours=48) -> datetime:
    return (timezone.now() + timedelta(hours=hours)).replace(microsecond=0)


def page(response) -> str:
    return response.content.decode()


def url(name, agency, *args) -> str:
    return reverse(name, args=[agency.slug, *args])


# --- The list and the week view ---------------------------------------------------------------


def test_list_shows_upcoming_and_past_in_the_viewers_zone(
    admin_member, engineer, login, agency, make_booking
):
    admin_member.user.time_zone = "Asia/Tokyo"
    admin_member.user.save()
    upcoming = make_booking(engineer, soon(), booker_name="Una Upcoming")
    make_booking(engineer, soon(-72), booker_name="Paula Past")
    client = login(admin_member)

    html = page(client.get(url("bookings", agency)))
    assert "Una Upcoming" in html
    assert "Paula Past" not in html
    assert "Asia/Tokyo" in html
    local = timezone.localtime(upcoming.start, timezone=ZoneInfo("Asia/Tokyo"))
    assert f"{local:%H:%M}" in html
    assert escape(upcoming.host.user.display_name) in html  # admins see the host column

    html = page(client.get(url("bookings", agency) + "?when=past"))
    assert "Paula Past" in html
    assert "Una Upcoming" not in html


@pytest.mark.parametrize(
    ("zone", "day", "shown"),
    [
        ("Asia/Tokyo", date(2030, 6, 12), ("08:30", "09:15")),  # UTC+9: Wednesday morning
        ("America/New_York", date(2030, 6, 11), ("19:30", "20:15")),  # UTC-4: Tuesday evening
    ],
)
def test_week_view_places_a_booking_on_the_viewers_local_day(
    zone, day, shown, admin_member, engineer, login, agency, make_booking
):
    admin_member.user.time_zone = zone
    admin_member.user.save()
    booking = make_booking(engineer, datetime(2030, 6, 11, 23, 30, tzinfo=UTC))

    response = login(admin_member).get(url("bookings", agency) + "?view=week&week=2030-06-13")

    days = response.context["days"]
    assert [d["day"] for d in days] == [date(2030, 6, 10) + timedelta(days=i) for i in range(7)]
    placed = {d["day"]: [b.pk for b in d["bookings"]] for d in days}
    assert placed[day] == [booking.pk]
    assert sum(len(v) for v in placed.values()) == 1
    html = page(response)
    assert f">{shown[0]}</time>{DASH}<time" in html
    assert f">{shown[1]}</time>" in html
    assert f"times in {zone}" in html
    assert f'data-day="{day:%Y-%m-%d}"' in html


def test_week_view_with_a_bad_week_says_so_and_shows_this_week(admin_member, login, agency):
    response = login(admin_member).get(url("bookings", agency) + "?view=week&week=2030-02-31")
    assert "Enter a valid date" in page(response)
    today = timezone.localdate()
    assert response.context["week_start"] == today - timedelta(days=today.weekday())


def test_a_host_sees_only_the_bookings_they_host(
    engineer, admin_member, login, agency, make_booking
):
    mine = make_booking(engineer, soon(), booker_name="Mine Booker")
    theirs = make_booking(admin_member, soon(50), booker_name="Theirs Booker")
    client = login(engineer)

    html = page(client.get(url("bookings", agency)))
    assert "Mine Booker" in html
    assert "Theirs Booker" not in html
    # The host filter is an admin's; a host cannot widen their view with it.
    html = page(client.get(url("bookings", agency) + f"?host={admin_member.pk}"))
    assert "Theirs Booker" not in html
    week = client.get(url("bookings", agency) + f"?view=week&week={theirs.start:%Y-%m-%d}")
    assert "Theirs Booker" not in page(week)
    assert client.get(url("booking_detail", agency, mine.pk)).status_code == 200
    for name in ("booking_detail", "booking_cancel"):
        assert client.get(url(name, agency, theirs.pk)).status_code == 404
    assert client.post(url("booking_cancel", agency, theirs.pk), {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.CONFIRMED


def test_an_admin_sees_every_booking_and_filters_by_host(
    admin_member, engineer, other_agency, login, agency, make_booking
):
    make_booking(engineer, soon(), booker_name="Eng Booker")
    make_booking(admin_member, soon(50), booker_name="Adm Booker")
    client = login(admin_member)

    html = page(client.get(url("bookings", agency)))
    assert "Eng Booker" in html
    assert "Adm Booker" in html
    html = page(client.get(url("bookings", agency) + f"?host={engineer.pk}"))
    assert "Eng Booker" in html
    assert "Adm Booker" not in html

    stranger = MembershipFactory(agency=other_agency, role=Role.ENGINEER)
    response = client.get(url("bookings", agency) + f"?host={stranger.pk}")
    html = page(response)
    assert "Select a valid choice" in html
    assert response.context["filter_form"].errors["host"]
    assert "Eng Booker" in html
    assert "Adm Booker" in html


def test_empty_lists_say_what_to_do_next(admin_member, engineer, login, agency):
    html = page(login(engineer).get(url("bookings", agency)))
    assert "No upcoming consultations" in html
    assert "Set your availability" in html
    html = page(login(admin_member).get(url("bookings", agency) + "?when=past"))
    assert "No past consultations yet" in html


def test_client_contacts_get_403_on_every_agency_booking_page(
    client_member, engineer, login, agency, offer, make_booking, owner
):
    booking = make_booking(engineer, soon(-2))
    override = services.override_save(
        actor=owner, member=engineer, day=date(2030, 1, 1), ranges=[], note=""
    )
    client = login(client_member)
    pages = [
        ("bookings", ()),
        ("booking_detail", (booking.pk,)),
        ("booking_cancel", (booking.pk,)),
        ("booking_no_show", (booking.pk,)),
        ("booking_convert", (booking.pk,)),
        ("availability", ()),
        ("override_delete", (override.pk,)),
        ("offers", ()),
        ("offer_edit", (offer.pk,)),
        ("booking_policy", ()),
    ]
    body = {"reason": "x", "name": "New", "duration_minutes": "30", "time_zone": "UTC"}
    for name, args in pages:
        for method in ("get", "post"):
            response = getattr(client, method)(url(name, agency, *args), body)
            assert response.status_code in (403, 405), f"{method} {name}"
            if method == "get" and name != "booking_no_show":
                assert response.status_code == 403, name
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.project_id is None
    assert DateOverride.objects.filter(pk=override.pk).exists()
    assert ConsultationType.objects.count() == 1
    assert not BookingPolicy.objects.exists()


def test_navigation_links_follow_the_role(owner, engineer, client_member, login, agency):
    html = page(login(owner).get(url("dashboard", agency)))
    for label in ("Bookings", "Availability", "Consultation offers", "Upcoming consultations"):
        assert label in html
    html = page(login(engineer).get(url("dashboard", agency)))
    assert "Bookings" in html
    assert "Availability" in html
    assert "Consultation offers" not in html


# --- One booking ------------------------------------------------------------------------------


def test_the_booking_page_shows_the_intake_and_history(engineer, login, agency, make_booking):
    booking = make_booking(
        engineer,
        soon(),
        prototype_url="https://acme.lovable.app",
        platform="lovable",
        expected_users=25000,
        compliance=["gdpr", "hipaa"],
        notes="We store health data.",
    )
    BookingEvent.objects.create(
        agency=agency, booking=booking, kind=BookingEvent.Kind.BOOKED, by_booker=True
    )
    html = page(login(engineer).get(url("booking_detail", agency, booking.pk)))
    for text in (
        "Acme", "https://acme.lovable.app", "Lovable", "25000", "GDPR, HIPAA",
        "We store health data.", "America/New_York", engineer.user.display_name,
        "Confirmed", "by the booker", "Cancel booking",
    ):  # fmt: skip
        assert text in html, text
    # Not started yet: no no-show button; engineers cannot open engagements.
    assert "Mark as no-show" not in html
    assert "Open an engagement" not in html


def test_cancel_asks_for_a_reason_and_changes_nothing_without_one(
    engineer, login, agency, make_booking, committing
):
    booking = make_booking(engineer, soon())
    client = login(engineer)
    confirm = page(client.get(url("booking_cancel", agency, booking.pk)))
    assert "emailed a cancellation" in confirm

    response = committing(client.post, url("booking_cancel", agency, booking.pk), {"reason": "  "})
    assert response.status_code == 200
    assert "Please say why" in page(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not BookingEvent.objects.filter(booking=booking).exists()
    assert mail.outbox == []


def test_cancelling_emails_both_sides_a_calendar_cancellation(
    engineer, login, agency, make_booking, committing
):
    booking = make_booking(engineer, soon())
    response = committing(
        login(engineer).post,
        url("booking_cancel", agency, booking.pk),
        {"reason": "Our host is ill; please book another time."},
    )
    assert response["Location"] == url("booking_detail", agency, booking.pk)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancel_reason == "Our host is ill; please book another time."
    event = BookingEvent.objects.get(booking=booking)
    assert (event.kind, event.actor, event.by_booker) == ("cancelled", engineer.user, False)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["fran@acme.test", engineer.user.email])
    for message in mail.outbox:
        (_name, content, mimetype) = message.attachments[0]
        ics = content if isinstance(content, str) else content.decode()
        assert "METHOD:CANCEL" in ics
        assert "method=CANCEL" in mimetype
        assert "Our host is ill" in message.body
    # Cancelled is final: asking again explains instead of cancelling twice.
    again = login(engineer).get(url("booking_cancel", agency, booking.pk))
    assert again.status_code == 302


def test_a_consultation_that_is_over_cannot_be_cancelled(
    admin_member, engineer, login, agency, make_booking, committing
):
    # The host has since left (host is emptied): a cancellation would have had nobody to
    # address its calendar update to. It is refused, and nothing changes.
    booking = make_booking(engineer, soon(-3))
    Booking.objects.filter(pk=booking.pk).update(host=None)
    client = login(admin_member)
    detail = page(client.get(url("booking_detail", agency, booking.pk)))
    assert "Mark as no-show" in detail
    assert "Cancel booking" not in detail
    response = committing(
        client.post, url("booking_cancel", agency, booking.pk), {"reason": "Never happened"}
    )
    assert response.status_code == 200
    assert "This consultation is over" in page(response)
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (Booking.Status.CONFIRMED, "")
    assert not BookingEvent.objects.filter(booking=booking).exists()
    assert mail.outbox == []


def test_no_show_is_refused_before_the_start_and_recorded_after(
    engineer, login, agency, make_booking
):
    future = make_booking(engineer, soon())
    client = login(engineer)
    response = client.post(url("booking_no_show", agency, future.pk), follow=True)
    assert "once its time has come" in page(response)
    future.refresh_from_db()
    assert future.status == Booking.Status.CONFIRMED

    started = make_booking(engineer, soon(-1))
    assert "Mark as no-show" in page(client.get(url("booking_detail", agency, started.pk)))
    client.post(url("booking_no_show", agency, started.pk))
    started.refresh_from_db()
    assert started.status == Booking.Status.NO_SHOW
    assert BookingEvent.objects.get(booking=started).kind == BookingEvent.Kind.NO_SHOW


def test_convert_creates_client_contact_and_engagement_once(
    admin_member, engineer, login, agency, make_booking
):
    booking = make_booking(
        engineer,
        soon(-2),
        booker_company="Northwind Health",
        prototype_url="https://github.com/northwind/app",
        platform="bolt",
        expected_users=40000,
        compliance=["hipaa"],
        notes="Needs SSO.",
    )
    client = login(admin_member)
    confirm = page(client.get(url("booking_convert", agency, booking.pk)))
    for text in ("Northwind Health", "fran@acme.test", "Bolt", "40000", "HIPAA"):
        assert text in confirm, text

    response = client.post(url("booking_convert", agency, booking.pk))
    project = Project.objects.get()
    assert response["Location"] == url("project_detail", agency, project.pk)
    assert project.client.name == "Northwind Health"
    assert (project.source_platform, project.users_at_launch, project.compliance) == (
        "bolt", 40000, ["hipaa"],
    )  # fmt: skip
    assert project.repository_url == "https://github.com/northwind/app"
    assert "Needs SSO." in project.description
    contact = ClientContact.objects.get()
    assert (contact.client, contact.email) == (project.client, "fran@acme.test")
    booking.refresh_from_db()
    assert (booking.client, booking.project) == (project.client, project)
    html = page(client.get(url("booking_detail", agency, booking.pk)))
    assert project.name in html
    assert "Northwind Health" in html

    again = client.post(url("booking_convert", agency, booking.pk))
    assert "already has an engagement" in page(again)
    assert (Client.objects.count(), ClientContact.objects.count(), Project.objects.count()) == (
        1, 1, 1,
    )  # fmt: skip


def test_convert_joins_the_client_of_that_name_whatever_its_case(
    admin_member, engineer, login, agency, make_booking
):
    from tests.factories import ClientFactory

    existing = ClientFactory(agency=agency, name="Northwind Health")
    booking = make_booking(engineer, soon(-2), booker_company="NORTHWIND health")
    client = login(admin_member)
    confirm = client.get(url("booking_convert", agency, booking.pk))
    assert confirm.context["existing_client"] == existing
    assert "joins your existing client" in page(confirm)
    client.post(url("booking_convert", agency, booking.pk))
    assert Project.objects.get().client == existing
    assert Client.objects.count() == 1


def test_a_cancelled_booking_cannot_become_an_engagement(
    admin_member, engineer, login, agency, make_booking
):
    booking = make_booking(engineer, soon(30), status=Booking.Status.CANCELLED)
    client = login(admin_member)
    assert "Open an engagement" not in page(client.get(url("booking_detail", agency, booking.pk)))
    response = client.post(url("booking_convert", agency, booking.pk))
    assert "was cancelled" in page(response)
    assert not Project.objects.exists()
    assert not Client.objects.exists()
    booking.refresh_from_db()
    assert booking.project is None


def test_engineers_cannot_convert(engineer, login, agency, make_booking):
    booking = make_booking(engineer, soon(-2))
    client = login(engineer)
    assert client.get(url("booking_convert", agency, booking.pk)).status_code == 403
    assert client.post(url("booking_convert", agency, booking.pk)).status_code == 403
    assert not Project.objects.exists()


# --- Availability -----------------------------------------------------------------------------


def _week_form(time_zone="Europe/Lisbon", **days) -> dict:
    """{"d0": [("09:00", "12:00"), ...]} -> the schedule form's POST body."""
    data = {"form": "schedule", "time_zone": time_zone}
    for day, ranges in days.items():
        for i, (start, end) in enumerate(ranges):
            data[f"{day}_{i}_start"], data[f"{day}_{i}_end"] = start, end
    return data


def _ranges(member) -> list[tuple]:
    return [
        (r.weekday, f"{r.start:%H:%M}", f"{r.end:%H:%M}")
        for r in WeeklyRange.objects.filter(schedule__membership=member).order_by(
            "weekday", "start"
        )
    ]


def test_a_host_saves_several_ranges_a_day_in_their_zone(engineer, login, agency):
    engineer.user.time_zone = "Asia/Kolkata"
    engineer.user.save()
    client = login(engineer)
    form = client.get(url("availability", agency)).context["schedule_form"]
    assert form.initial["time_zone"] == "Asia/Kolkata"  # their profile's zone by default

    response = client.post(
        url("availability", agency),
        _week_form(
            "Asia/Kolkata",
            d0=[("13:00", "17:00"), ("08:00", "11:30")],
            d2=[("22:00", "00:00")],
        ),
    )
    assert response.status_code == 302
    schedule = Schedule.objects.get(membership=engineer)
    assert schedule.time_zone == "Asia/Kolkata"
    assert _ranges(engineer) == [
        (0, "08:00", "11:30"), (0, "13:00", "17:00"), (2, "22:00", "00:00"),
    ]  # fmt: skip
    html = page(client.get(url("availability", agency)))
    assert 'value="13:00"' in html
    assert 'value="22:00"' in html
    # A day with two ranges gets two empty rows more, so a third fits without JavaScript.
    assert 'name="d0_3_start"' in html
    assert 'name="d0_4_start"' not in html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_week_form(d1=[("17:00", "09:00")]), "must be after the start"),
        (_week_form(d1=[("09:00", "12:00"), ("11:00", "14:00")]), "overlaps 09:00 to 12:00"),
        (_week_form(d1=[("09:00", "")]), "Give an end time"),
        (_week_form(d1=[("9 o'clock", "12:00")]), "Enter a valid time"),
        (_week_form("Mars/Olympus_Mons", d1=[("09:00", "12:00")]), "Select a valid choice"),
    ],
)
def test_bad_weekly_hours_are_refused_and_nothing_changes(
    engineer, owner, login, agency, body, message
):
    services.schedule_save(actor=owner, member=engineer, time_zone="UTC", weekly=WORKDAYS)
    before = _ranges(engineer)
    response = login(engineer).post(url("availability", agency), body)
    assert response.status_code == 200
    html = page(response)
    assert message in html
    assert "There is a problem" in html
    assert _ranges(engineer) == before
    assert Schedule.objects.get(membership=engineer).time_zone == "UTC"


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({1: [(time(17), time(9))]}, "Tuesday, 17:00-09:00: the end must be after the start."),
        (
            {3: [(time(9), time(12)), (time(11), time(14))]},
            "Thursday: 11:00-14:00 overlaps 09:00-12:00.",
        ),
    ],
)
def test_the_schedule_service_names_the_day_of_a_bad_range(engineer, owner, weekly, message):
    # The service is the last wall for callers without a form (commands, a future API).
    services.schedule_save(actor=owner, member=engineer, time_zone="UTC", weekly=WORKDAYS)
    before = _ranges(engineer)
    with pytest.raises(ValidationError) as error:
        services.schedule_save(actor=owner, member=engineer, time_zone="UTC", weekly=weekly)
    assert error.value.messages == [message]
    assert _ranges(engineer) == before


def test_the_override_service_names_the_date_of_a_bad_range(engineer, owner):
    services.schedule_save(actor=owner, member=engineer, time_zone="UTC", weekly=WORKDAYS)
    with pytest.raises(ValidationError) as error:
        services.override_save(
            actor=owner, member=engineer, day=date(2030, 12, 24), ranges=[(time(15), time(10))]
        )
    assert error.value.messages == [
        "Tuesday 24 December 2030, 15:00-10:00: the end must be after the start."
    ]
    assert not DateOverride.objects.exists()


def test_another_agencys_owner_cannot_change_an_offer_or_convert_a_booking(
    owner, engineer, agency, make_booking
):
    offer = services.offer_save(actor=owner, hosts=[engineer], name="Review", slug="review")
    booking = make_booking(engineer, soon(-2))
    stranger = MembershipFactory(role=Role.OWNER)
    for attempt in (
        lambda: services.offer_save(actor=stranger, offer=offer, name="Taken"),
        lambda: services.booking_convert(actor=stranger, booking=booking),
    ):
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert (refused.value.code, refused.value.status) == ("not_found", 404)
    offer.refresh_from_db()
    booking.refresh_from_db()
    assert (offer.name, booking.project) == ("Review", None)
    assert not Project.objects.exists()


def test_an_offer_with_a_foreign_host_is_refused_before_anything_changes(
    owner, engineer, agency, make_offer
):
    offer = services.offer_save(actor=owner, hosts=[engineer], name="Review", slug="review")
    outsider = MembershipFactory(role=Role.ENGINEER)
    with pytest.raises(ValidationError) as error:
        services.offer_save(actor=owner, offer=offer, hosts=[outsider], name="Renamed")
    assert error.value.message_dict == {"hosts": ["Hosts must be staff of this agency."]}
    assert offer.name == "Review"  # the caller's instance is left as it was
    offer.refresh_from_db()
    assert offer.name == "Review"
    assert list(offer.hosts.values_list("membership", flat=True)) == [engineer.pk]


def test_date_overrides_a_day_off_and_different_hours(engineer, owner, login, agency):
    services.schedule_save(actor=owner, member=engineer, time_zone="UTC", weekly=WORKDAYS)
    client = login(engineer)
    target = url("availability", agency)
    off = client.post(
        target,
        {"form": "override", "override-day": "2030-12-24", "override-day_off": "on",
         "override-note": "Holiday"},
    )  # fmt: skip
    assert off.status_code == 302
    client.post(
        target,
        {"form": "override", "override-day": "2030-12-27", "override-r0_start": "14:00",
         "override-r0_end": "16:00", "override-r1_start": "10:00", "override-r1_end": "11:00"},
    )  # fmt: skip
    overrides = {o.day: (o.ranges, o.note) for o in DateOverride.objects.all()}
    assert overrides == {
        date(2030, 12, 24): ([], "Holiday"),
        date(2030, 12, 27): ([["10:00", "11:00"], ["14:00", "16:00"]], ""),
    }
    html = page(client.get(target))
    assert "Day off" in html
    assert f"10:00{DASH}11:00, 14:00{DASH}16:00" in html

    # Neither hours nor a day off, or both: explained, nothing saved.
    for body, message in (
        ({"override-day": "2030-12-28"}, "tick “Day off”"),
        ({"override-day": "2030-12-28", "override-day_off": "on", "override-r0_start": "09:00",
          "override-r0_end": "10:00"}, "not both"),
        ({"override-day": "2030-12-28", "override-r0_start": "12:00", "override-r0_end": "10:00"},
         "must be after the start"),
    ):  # fmt: skip
        response = client.post(target, {"form": "override", **body})
        assert message in page(response)
    assert DateOverride.objects.count() == 2

    holiday = DateOverride.objects.get(day=date(2030, 12, 24))
    confirm = page(client.get(url("override_delete", agency, holiday.pk)))
    assert "usual weekly hours" in confirm
    client.post(url("override_delete", agency, holiday.pk))
    assert not DateOverride.objects.filter(pk=holiday.pk).exists()


def test_overrides_need_weekly_hours_first(engineer, login, agency):
    response = login(engineer).post(
        url("availability", agency),
        {"form": "override", "override-day": "2030-12-24", "override-day_off": "on"},
    )
    assert "Set a weekly schedule first" in page(response)
    assert not DateOverride.objects.exists()


def test_an_admin_edits_another_members_hours_and_an_engineer_cannot(
    admin_member, engineer, owner, other_agency, login, agency
):
    target = url("availability", agency) + f"?member={engineer.pk}"
    admin = login(admin_member)
    html = page(admin.get(target))
    assert f"Availability of {engineer.user.display_name}" in html
    response = admin.post(target, _week_form("America/Chicago", d4=[("10:00", "14:00")]))
    assert response["Location"] == target
    assert _ranges(engineer) == [(4, "10:00", "14:00")]
    assert not Schedule.objects.filter(membership=admin_member).exists()

    # An engineer may not open or change anyone else's hours.
    services.schedule_save(actor=owner, member=admin_member, time_zone="UTC", weekly=WORKDAYS)
    before = _ranges(admin_member)
    eng = login(engineer)
    theirs = url("availability", agency) + f"?member={admin_member.pk}"
    assert eng.get(theirs).status_code == 403
    assert eng.post(theirs, _week_form(d0=[("01:00", "02:00")])).status_code == 403
    assert _ranges(admin_member) == before
    override = services.override_save(
        actor=owner, member=admin_member, day=date(2030, 1, 2), ranges=[], note=""
    )
    assert eng.post(url("override_delete", agency, override.pk)).status_code == 404
    assert DateOverride.objects.filter(pk=override.pk).exists()

    # Someone outside the agency's staff is not a schedule anyone can open.
    stranger = MembershipFactory(agency=other_agency, role=Role.ENGINEER)
    assert admin.get(url("availability", agency) + f"?member={stranger.pk}").status_code == 404


# --- Offers and policy ------------------------------------------------------------------------


def _offer_form(**fields) -> dict:
    data = {
        "name": "Architecture review",
        "slug": "",
        "description": "An hour on your architecture.",
        "duration_minutes": "60",
        "interval_minutes": "30",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "15",
        "minimum_notice_minutes_0": "1",
        "minimum_notice_minutes_1": "days",
        "booking_window_days": "30",
        "daily_cap": "3",
        "location": "phone",
        "location_detail": "+49 30 1234567",
        "host_choice": "booker_picks",
        "is_active": "on",
    }
    data.update(fields)
    return data


def test_an_admin_creates_an_offer_with_hosts(admin_member, engineer, owner, login, agency):
    services.schedule_save(actor=owner, member=engineer, time_zone="UTC", weekly=WORKDAYS)
    client = login(admin_member)
    html = page(client.get(url("offers", agency)))
    assert "No consultation types yet" in html
    assert "no schedule yet" in html  # the admin has no weekly hours

    response = client.post(
        url("offers", agency), _offer_form(hosts=[str(engineer.pk), str(admin_member.pk)])
    )
    assert response["Location"] == url("offers", agency)
    created = ConsultationType.objects.get()
    assert created.slug == "architecture-review"
    assert (created.duration_minutes, created.buffer_after_minutes, created.daily_cap) == (
        60, 15, 3,
    )  # fmt: skip
    assert (created.location, created.host_choice) == ("phone", "booker_picks")
    assert set(created.hosts.values_list("membership_id", flat=True)) == {
        engineer.pk, admin_member.pk,
    }  # fmt: skip
    html = page(client.get(url("offers", agency)))
    assert f"/book/{agency.slug}/architecture-review/" in html
    assert "No schedule yet" in html  # beside the admin, who cannot be booked yet


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"duration_minutes": "0"}, "greater than or equal to 5"),
        ({"slug": "prototype-review"}, "Another offer already uses this address"),
        ({"hosts": ["stranger"]}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"location": "carrier-pigeon"}, "Select a valid choice"),
    ],
)
def test_bad_offer_input_is_refused_and_nothing_is_created(
    admin_member, login, agency, offer, other_agency, fields, message
):
    if fields.get("hosts") == ["stranger"]:
        fields = {"hosts": [str(MembershipFactory(agency=other_agency, role=Role.ADMIN).pk)]}
    response = login(admin_member).post(url("offers", agency), _offer_form(**fields))
    assert response.status_code == 200
    assert message in page(response)
    assert list(ConsultationType.objects.values_list("slug", flat=True)) == ["prototype-review"]


def test_an_admin_edits_an_offer_and_its_hosts(
    admin_member, engineer, login, agency, offer, other_agency
):
    client = login(admin_member)
    form = client.get(url("offer_edit", agency, offer.pk)).context["form"]
    assert set(form.initial["hosts"]) == {engineer.pk, admin_member.pk}

    body = _offer_form(name="Prototype review", slug="prototype-review", hosts=[str(engineer.pk)])
    del body["is_active"]
    response = client.post(url("offer_edit", agency, offer.pk), body)
    assert response["Location"] == url("offers", agency)
    offer.refresh_from_db()
    assert not offer.is_active
    assert offer.duration_minutes == 60
    assert list(ConsultationHost.objects.values_list("membership_id", flat=True)) == [engineer.pk]

    stranger = MembershipFactory(agency=other_agency, role=Role.ENGINEER)
    bad = _offer_form(duration_minutes="0", hosts=[str(stranger.pk)])
    response = client.post(url("offer_edit", agency, offer.pk), bad)
    assert "Select a valid choice" in page(response)
    offer.refresh_from_db()
    assert offer.duration_minutes == 60
    assert offer.name == "Prototype review"
    assert ConsultationHost.objects.count() == 1


def test_engineers_cannot_manage_offers_or_the_policy(engineer, login, agency, offer):
    client = login(engineer)
    assert client.get(url("offers", agency)).status_code == 403
    assert client.post(url("offers", agency), _offer_form()).status_code == 403
    assert client.get(url("offer_edit", agency, offer.pk)).status_code == 403
    assert client.post(url("booking_policy", agency), {"max_reschedules": "9"}).status_code == 403
    assert ConsultationType.objects.count() == 1
    assert not BookingPolicy.objects.exists()


def test_the_booking_policy(admin_member, login, agency):
    client = login(admin_member)
    form = client.get(url("booking_policy", agency)).context["form"]
    assert form.initial["cancel_notice_hours"] == 24
    body = {
        "cancel_notice_hours_0": "48",
        "cancel_notice_hours_1": "hours",
        "max_reschedules": "1",
        "privacy_notice": "We keep it.",
    }
    assert client.post(url("booking_policy", agency), body).status_code == 302
    policy = BookingPolicy.objects.get(agency=agency)
    assert (policy.cancel_notice_hours, policy.max_reschedules, policy.privacy_notice) == (
        48, 1, "We keep it.",
    )  # fmt: skip

    bad = {
        "cancel_notice_hours_0": "-1",
        "cancel_notice_hours_1": "hours",
        "max_reschedules": "11",
        "privacy_notice": "",
    }
    html = page(client.post(url("booking_policy", agency), bad))
    assert "greater than or equal to 0" in html
    assert "less than or equal to 10" in html
    policy.refresh_from_db()
    assert policy.cancel_notice_hours == 48


def test_a_refusal_by_the_service_itself_is_the_403_page(admin_member, login, agency, monkeypatch):
    """The pages leave a service's refusal by role to the one error path (the middleware)."""
    from apps.core.errors import ApplicationError

    def refuse(**kwargs):
        raise ApplicationError("Your role does not allow this.", status=403)

    monkeypatch.setattr(services, "policy_save", refuse)
    client = login(admin_member)
    body = {
        "cancel_notice_hours_0": "48",
        "cancel_notice_hours_1": "hours",
        "max_reschedules": "1",
        "privacy_notice": "We keep it.",
    }
    assert client.post(url("booking_policy", agency), body).status_code == 403
    assert not BookingPolicy.objects.exists()


# --- The dashboard ----------------------------------------------------------------------------


def test_the_dashboard_lists_the_next_five_consultations_in_the_viewers_zone(
    engineer, admin_member, login, agency, make_booking
):
    engineer.user.time_zone = "America/New_York"
    engineer.user.save()
    for n in range(6):
        make_booking(engineer, soon(24 + n), booker_name=f"Booker {n}")
    make_booking(admin_member, soon(12), booker_name="Not Mine")
    make_booking(engineer, soon(13), booker_name="Called Off", status=Booking.Status.CANCELLED)
    html = page(login(engineer).get(url("dashboard", agency)))
    assert "Upcoming consultations" in html
    assert "Times in America/New_York" in html
    assert [f"Booker {n}" in html for n in range(6)] == [True] * 5 + [False]
    assert "Not Mine" not in html
    assert "Called Off" not in html


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", 7), ("?when=past", 7), ("?view=week", 6), (None, 7)],
)
def test_list_and_week_view_query_counts_are_pinned(
    query, expected, admin_member, engineer, login, agency, make_booking,
    django_assert_num_queries,
):  # fmt: skip
    """The same number of queries with 1 booking as with 50 (host filter form included)."""
    now = timezone.now()
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    week_start = datetime.combine(monday, time(0), tzinfo=UTC)

    def start(n):
        if query is None or query == "?view=week":
            return week_start + timedelta(minutes=60 * n + 5)  # all inside this week
        return now + timedelta(hours=n + 1) if query == "" else now - timedelta(hours=n + 2)

    if query is None:  # the week view of one host, chosen by an admin
        query = f"?view=week&host={engineer.pk}"
    client = login(admin_member)
    target = url("bookings", agency) + query
    make_booking(engineer, start(0))
    client.get(target)  # warm the session and content-type caches
    with django_assert_num_queries(expected):
        response = client.get(target)
    shown = len(response.context.get("bookings") or []) or response.context.get("week_total")
    assert shown == 1
    for n in range(1, 50):
        make_booking(engineer, start(n))
    with django_assert_num_queries(expected):
        response = client.get(target)
    shown = len(response.context.get("bookings") or []) or response.context.get("week_total")
    assert shown == 50
