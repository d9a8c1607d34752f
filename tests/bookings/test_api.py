"""The booking API: the agency's consultation types and bookings (admins all, hosts their
own, client contacts refused), and the public API: slots in the booker's zone across DST,
booking with an idempotency key, every refusal, the 409 when a host is taken, and the signed
manage link. A refusal or bad input is a 400 that books nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.agencies.roles import Role
from apps.bookings import services
from apps.bookings.models import Booking, BookingEvent, BookingPolicy, ConsultationType
from apps.bookings.services import Booker
from apps.bookings.tokens import booking_id_from_token, manage_token
from tests.support.api import assert_error

pytestmark = pytest.mark.django_db

# A Monday. The US moves its clocks on Sunday 2026-03-08, Europe only on 2026-03-29: in the
# week after, New York is 5 hours behind Berlin instead of 6.
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """Every `timezone.now()` (the API's, the services', the slot engine's) is NOW."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in Berlin in March 2026 (UTC+1 all month until the 29th), as UTC."""
    return datetime(2026, 3, day, hour - 1, minute, tzinfo=UTC)


def stored():
    return list(Booking.objects.order_by("pk").values()), BookingEvent.objects.count()


@pytest.fixture
def host(make_host):
    """An engineer who hosts, Monday to Friday 09:00-17:00 Berlin time."""
    return make_host(BERLIN, name="Sam Rivera")


@pytest.fixture
def second_host(make_host):
    return make_host(BERLIN, name="Kim Lee")


@pytest.fixture
def make_offer(owner):
    def make(hosts, **fields):
        fields.setdefault("name", "Prototype review")
        fields.setdefault("slug", "prototype-review")
        fields.setdefault("duration_minutes", 60)
        fields.setdefault("interval_minutes", 60)
        fields.setdefault("minimum_notice_minutes", 240)
        fields.setdefault("booking_window_days", 60)
        return services.offer_save(actor=owner, hosts=hosts, **fields)

    return make


@pytest.fixture
def offer(make_offer, host):
    return make_offer([host])


@pytest.fixture
def picks_offer(make_offer, host, second_host):
    """An offer whose booker picks one of two hosts."""
    return make_offer(
        [host, second_host],
        name="Architecture deep dive",
        slug="deep-dive",
        host_choice=ConsultationType.HostChoice.BOOKER_PICKS,
    )


def make_booking(offer, start, *, host=None, email="ada@acme.example", tz=NEW_YORK):
    return services.booking_create(
        consultation_type=offer,
        start=start,
        booker=Booker(name="Ada Founder", email=email, time_zone=tz),
        consent=True,
        idempotency_key=uuid.uuid4().hex,
        host=host,
    ).booking


# --- Public: slots -----------------------------------------------------------------------------


def slots_url(offer):
    return reverse("api_public_slots", args=[offer.agency.slug, offer.slug])


def get_slots(offer, **query):
    return Client().get(slots_url(offer), query)


def starts_of(response, day):
    assert response.status_code == 200, response.content
    days = {d["date"]: d["slots"] for d in response.json()["days"]}
    return [slot["start"] for slot in days[day]]


def test_slots_are_in_the_bookers_zone_and_follow_the_us_dst_change(offer):
    """Berlin 09:00-17:00 seen from New York: 03:00-10:00 EST in the week before the US
    change, 04:00-11:00 EDT the week after (Europe has not changed yet)."""
    before = get_slots(offer, **{"from": "2026-03-03", "to": "2026-03-03", "tz": NEW_YORK})
    after = get_slots(offer, **{"from": "2026-03-10", "to": "2026-03-10", "tz": NEW_YORK})
    assert starts_of(before, "2026-03-03") == [
        f"2026-03-03T{hour:02d}:00:00-05:00" for hour in range(3, 11)
    ]
    assert starts_of(after, "2026-03-10") == [
        f"2026-03-10T{hour:02d}:00:00-04:00" for hour in range(4, 12)
    ]
    first_before = before.json()["days"][0]["slots"][0]
    first_after = after.json()["days"][0]["slots"][0]
    # The same Berlin morning in UTC both weeks: only New York's clock moved.
    assert first_before["start_utc"] == "2026-03-03T08:00:00Z"
    assert first_after["start_utc"] == "2026-03-10T08:00:00Z"
    assert first_after["end"] == "2026-03-10T05:00:00-04:00"
    assert "hosts" not in first_after


def test_slots_list_every_day_asked_for(offer):
    response = get_slots(offer, **{"from": "2026-03-02", "to": "2026-03-08", "tz": BERLIN})
    body = response.json()
    assert body["time_zone"] == BERLIN
    assert body["offer"]["slug"] == "prototype-review"
    counts = {day["date"]: len(day["slots"]) for day in body["days"]}
    # Monday is inside the 4 hours' notice after noon UTC; the weekend is off.
    assert counts == {
        "2026-03-02": 0,
        "2026-03-03": 8,
        "2026-03-04": 8,
        "2026-03-05": 8,
        "2026-03-06": 8,
        "2026-03-07": 0,
        "2026-03-08": 0,
    }


def test_slots_leave_out_a_booked_time_and_default_to_utc(offer):
    make_booking(offer, berlin(3, 9))
    response = get_slots(offer, **{"from": "2026-03-03", "to": "2026-03-03"})
    assert response.json()["time_zone"] == "UTC"
    assert starts_of(response, "2026-03-03") == [
        f"2026-03-03T{hour:02d}:00:00Z" for hour in range(9, 16)
    ]


def test_slots_name_the_free_hosts_when_the_booker_picks(picks_offer, host, second_host):
    make_booking(picks_offer, berlin(3, 10), host=host)
    response = get_slots(picks_offer, **{"from": "2026-03-03", "to": "2026-03-03", "tz": BERLIN})
    slots = {s["start"]: s["hosts"] for s in response.json()["days"][0]["slots"]}
    assert {h["name"] for h in slots["2026-03-03T09:00:00+01:00"]} == {"Sam Rivera", "Kim Lee"}
    assert slots["2026-03-03T10:00:00+01:00"] == [{"id": str(second_host.pk), "name": "Kim Lee"}]


def test_slots_of_an_unknown_agency_or_offer_or_an_unpublished_offer_are_404(
    agency, offer, make_offer, host
):
    hidden = make_offer([host], slug="hidden", is_active=False)
    query = {"from": "2026-03-03", "to": "2026-03-03"}
    for url in (
        reverse("api_public_slots", args=["no-such-agency", offer.slug]),
        reverse("api_public_slots", args=[agency.slug, "no-such-offer"]),
        slots_url(hidden),
    ):
        assert_error(Client().get(url, query), 404, "not_found")


def test_an_offer_of_another_agency_is_404_under_this_agencys_slug(offer, other_agency):
    url = reverse("api_public_slots", args=[other_agency.slug, offer.slug])
    assert_error(Client().get(url, {"from": "2026-03-03", "to": "2026-03-03"}), 404)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "03/03/2026", "to": "2026-03-03"}, "from"),
        ({"from": "2026-03-03", "to": "2026-02-30"}, "to"),
        ({"to": "2026-03-03"}, "from"),
        ({"from": "2026-03-05", "to": "2026-03-03"}, "to"),
        ({"from": "2026-03-01", "to": "2026-05-02"}, "to"),
        ({"from": "2026-03-03", "to": "2026-03-03", "tz": "Mars/Olympus_Mons"}, "tz"),
    ],
)
def test_bad_slot_queries_are_a_400_naming_the_field(offer, query, field):
    assert_error(get_slots(offer, **query), 400, "invalid", field)


def test_sixty_two_days_is_the_longest_range(offer):
    response = get_slots(offer, **{"from": "2026-03-01", "to": "2026-05-01"})
    assert len(response.json()["days"]) == 62


# --- Public: booking ---------------------------------------------------------------------------


def bookings_url(offer):
    return reverse("api_public_bookings", args=[offer.agency.slug, offer.slug])


def booking_body(**changes):
    body = {
        "start": "2026-03-10T04:00:00-04:00",  # 09:00 in Berlin
        "time_zone": NEW_YORK,
        "name": "Ada Founder",
        "email": "Ada@Acme.example",
        "company": "Acme",
        "prototype_url": "https://acme-portal.lovable.app",
        "platform": "lovable",
        "expected_users": 5000,
        "compliance": ["gdpr", "soc2"],
        "notes": "We launch in May.",
        "consent": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def book(offer, key="booking-key-0001", client=None, **changes):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return (client or Client()).post(
        bookings_url(offer), booking_body(**changes), content_type="application/json", **headers
    )


def test_booking_answers_201_in_the_bookers_zone_and_emails_both_sides(offer, host, committing):
    response = committing(book, offer)
    assert response.status_code == 201, response.content
    body = response.json()
    booking = Booking.objects.get()
    assert body["id"] == str(booking.pk)
    assert body["start"] == "2026-03-10T04:00:00-04:00"
    assert body["end"] == "2026-03-10T05:00:00-04:00"
    assert body["time_zone"] == NEW_YORK
    assert body["host"] == {"id": str(host.pk), "name": "Sam Rivera"}
    assert body["status"] == "confirmed"
    assert body["email"] == "ada@acme.example"
    assert body["compliance"] == ["gdpr", "soc2"]
    assert body["agency"] == {"name": offer.agency.name, "slug": offer.agency.slug}
    assert booking.start == berlin(10, 9)
    assert booking.consent_at == NOW
    # Tokens carry a timestamp, so compare what they point at, not the strings.
    assert booking_id_from_token(body["manage_token"]) == str(booking.pk)
    assert len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {"ada@acme.example", host.user.email}
    for message in mail.outbox:
        (name, content, mimetype), *_ = message.attachments
        assert name == "invite.ics"
        assert "text/calendar" in mimetype
        assert b"BEGIN:VEVENT" in (content if isinstance(content, bytes) else content.encode())


def test_the_same_idempotency_key_twice_books_once_and_answers_200(offer):
    first = book(offer, key="same-key-123")
    again = book(offer, key="same-key-123")
    assert first.status_code == 201
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Booking.objects.count() == 1


def test_a_post_needs_no_csrf_token_with_or_without_a_session(offer, owner, login):
    anonymous = Client(enforce_csrf_checks=True)
    assert book(offer, client=anonymous).status_code == 201
    signed_in = login(owner)
    signed_in.handler.enforce_csrf_checks = True
    later = "2026-03-10T05:00:00-04:00"
    assert book(offer, key="another-key-1", client=signed_in, start=later).status_code == 201


@pytest.mark.parametrize(
    ("start", "code", "text"),
    [
        ("2026-03-02T08:00:00+01:00", "in_the_past", "in the past"),
        ("2026-03-02T14:00:00+01:00", "inside_minimum_notice", "at least 4 hours' notice"),
        ("2026-05-05T09:00:00+02:00", "beyond_booking_window", "up to 60 days ahead"),
        ("2026-03-07T10:00:00+01:00", "outside_availability", "Nobody is available"),
        ("2026-03-10T18:00:00+01:00", "outside_availability", "Nobody is available"),
        ("2026-03-10T09:30:00+01:00", "misaligned", "start times shown"),
    ],
)
def test_each_refusal_has_its_code_and_books_nothing(offer, start, code, text):
    response = book(offer, start=start)
    error = assert_error(response, 400, code, text=text)
    assert "fields" not in error
    assert Booking.objects.count() == 0


def test_a_host_at_their_daily_cap_refuses_the_day(make_offer, host):
    capped = make_offer([host], slug="capped", daily_cap=1)
    assert book(capped, key="cap-key-0001").status_code == 201
    before = stored()
    response = book(capped, key="cap-key-0002", start="2026-03-10T06:00:00-04:00")
    assert_error(response, 400, "daily_cap_reached", text="fully booked")
    assert stored() == before
    # Another day is fine.
    assert book(capped, key="cap-key-0003", start="2026-03-11T06:00:00-04:00").status_code == 201


def test_a_time_the_host_has_booked_is_409_with_that_days_fresh_slots(offer):
    make_booking(offer, berlin(10, 9), email="first@example.test")
    before = stored()
    response = book(offer, key="second-try-1")
    error = assert_error(response, 409, "slot_taken", text="just taken")
    assert stored() == before
    # That (New York) day's times as they are now: 04:00 EDT is gone.
    assert [s["start"] for s in error["slots"]] == [
        f"2026-03-10T{hour:02d}:00:00-04:00" for hour in range(5, 12)
    ]


def test_the_booker_picks_the_host(picks_offer, second_host):
    response = book(picks_offer, host=str(second_host.pk))
    assert response.status_code == 201, response.content
    assert response.json()["host"]["id"] == str(second_host.pk)
    assert Booking.objects.get().host == second_host


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": False}, "consent"),
        ({"consent": None}, "consent"),
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"start": "next tuesday"}, "start"),
        ({"start": "2026-03-10T09:00:00"}, "start"),  # no offset: which 09:00?
        ({"platform": "dreamweaver"}, "platform"),
        ({"compliance": ["gdpr", "iso9001"]}, "compliance"),
        ({"expected_users": -1}, "expected_users"),
        ({"prototype_url": "javascript:alert(1)"}, "prototype_url"),
        ({"host": MISSING}, "host"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_books_nothing(offer, changes, field):
    assert_error(book(offer, **changes), 400, "invalid", field)
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("key", [None, "short", "x" * 65, "has spaces in it", "ünïcode-key"])
def test_a_missing_or_malformed_idempotency_key_is_a_400(offer, key):
    error = assert_error(book(offer, key=key), 400, "invalid", "Idempotency-Key")
    assert "8 to 64" in error["fields"]["Idempotency-Key"][0]
    assert Booking.objects.count() == 0


def test_every_problem_is_reported_at_once(offer):
    error = assert_error(book(offer, key=None, consent=False, email="x"), 400, "invalid")
    assert {"Idempotency-Key", "consent", "email"} <= set(error["fields"])


def test_the_host_is_required_when_the_booker_picks_and_refused_otherwise(offer, picks_offer, host):
    assert_error(book(picks_offer), 400, "invalid", "host", text="Choose who")
    assert_error(book(offer, host=str(host.pk)), 400, "invalid", "host", text="leave `host` out")
    assert Booking.objects.count() == 0


def test_a_host_who_does_not_host_the_offer_is_refused(picks_offer, agency, make_member):
    stranger = make_member(agency, Role.ENGINEER)
    assert_error(book(picks_offer, host=str(stranger.pk)), 400, "invalid", "host")
    assert Booking.objects.count() == 0


def test_a_host_of_another_agency_is_an_unknown_id(picks_offer, other_agency, make_member):
    foreign = make_member(other_agency, Role.ENGINEER)
    error = assert_error(book(picks_offer, host=str(foreign.pk)), 400, "invalid", "host")
    assert "does not exist" in error["fields"]["host"][0]


def test_booking_an_unpublished_offer_is_404(make_offer, host):
    hidden = make_offer([host], slug="hidden", is_active=False)
    assert_error(book(hidden), 404, "not_found")
    assert Booking.objects.count() == 0


# --- Public: the manage link --------------------------------------------------------------------


def manage_url(booking, name="api_public_booking"):
    return reverse(name, args=[manage_token(booking)])


@pytest.fixture
def booking(offer):
    """Next Tuesday 09:00 Berlin: well outside the 24 hours' cancellation notice."""
    return make_booking(offer, berlin(10, 9))


def test_the_manage_link_shows_the_booking_in_the_bookers_zone(booking):
    response = Client().get(manage_url(booking))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(booking.pk)
    assert body["start"] == "2026-03-10T04:00:00-04:00"
    assert body["offer"]["location"] == "video"


@pytest.mark.parametrize(
    "token",
    ["nonsense", "eyJiIjoiMTIzIn0:1vXyZa:forgedsignature0000000000000000000000000"],
)
def test_a_forged_link_is_400_invalid_link(booking, token):
    for name, method in (
        ("api_public_booking", "get"),
        ("api_public_booking_cancel", "post"),
        ("api_public_booking_reschedule", "post"),
    ):
        url = reverse(name, args=[token])
        response = getattr(Client(), method)(url, {"reason": "x"}, content_type="application/json")
        assert_error(response, 400, "invalid_link", text="not valid")
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_a_link_to_a_booking_that_is_gone_is_404(offer):
    ghost = Booking(pk=uuid.uuid4())
    assert_error(Client().get(manage_url(ghost)), 404, "not_found")


def test_the_booker_cancels_through_the_link(booking, committing, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(hours=1))
    response = committing(
        Client().post,
        manage_url(booking, "api_public_booking_cancel"),
        {"reason": "We found another agency."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancel_reason == "We found another agency."
    assert booking.events.last().by_booker is True
    assert len(mail.outbox) == 2
    assert all("Cancelled" in m.subject for m in mail.outbox)


def test_cancelling_needs_a_reason(booking):
    url = manage_url(booking, "api_public_booking_cancel")
    response = Client().post(url, {"reason": ""}, content_type="application/json")
    assert_error(response, 400, "invalid", "reason")
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_the_booker_reschedules_through_the_link(booking):
    url = manage_url(booking, "api_public_booking_reschedule")
    response = Client().post(
        url, {"start": "2026-03-11T05:00:00-04:00"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start"] == "2026-03-11T05:00:00-04:00"
    assert body["reschedule_count"] == 1
    booking.refresh_from_db()
    assert booking.start == berlin(11, 10)
    # The link keeps working after the move.
    assert Client().get(manage_url(booking)).json()["start"] == "2026-03-11T05:00:00-04:00"


def test_rescheduling_through_the_link_meets_the_slot_refusals(booking):
    url = manage_url(booking, "api_public_booking_reschedule")
    response = Client().post(
        url, {"start": "2026-03-11T05:30:00-04:00"}, content_type="application/json"
    )
    assert_error(response, 400, "misaligned")
    booking_row = Booking.objects.get()
    assert (booking_row.start, booking_row.reschedule_count) == (berlin(10, 9), 0)


def test_the_agency_policy_stops_late_changes(offer):
    tomorrow = make_booking(offer, berlin(3, 9))  # 20 hours from now; the policy says 24
    before = stored()
    for name, body in (
        ("api_public_booking_cancel", {"reason": "Sorry"}),
        ("api_public_booking_reschedule", {"start": "2026-03-04T09:00:00+01:00"}),
    ):
        response = Client().post(manage_url(tomorrow, name), body, content_type="application/json")
        assert_error(response, 400, "too_late", text="24 hours")
    assert stored() == before


def test_the_agency_policy_limits_reschedules(booking, agency):
    BookingPolicy.objects.create(agency=agency, max_reschedules=1)
    url = manage_url(booking, "api_public_booking_reschedule")
    first = Client().post(url, {"start": "2026-03-11T09:00:00+01:00"}, "application/json")
    assert first.status_code == 200, first.content
    again = Client().post(url, {"start": "2026-03-12T09:00:00+01:00"}, "application/json")
    assert_error(again, 400, "reschedule_limit")
    assert Booking.objects.get().start == berlin(11, 9)


def test_a_cancelled_booking_cannot_be_moved(booking):
    services.booking_cancel(booking=booking, reason="Gone", by_booker=True)
    url = manage_url(booking, "api_public_booking_reschedule")
    response = Client().post(url, {"start": "2026-03-11T09:00:00+01:00"}, "application/json")
    assert_error(response, 400, "booking_closed")


# --- Agency side: consultation types ------------------------------------------------------------


def test_staff_list_the_offers_with_their_hosts(agency, offer, picks_offer, engineer, login):
    response = login(engineer).get(reverse("api_offers", args=[agency.slug]))
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [r["slug"] for r in rows] == ["deep-dive", "prototype-review"]
    assert {h["name"] for h in rows[0]["hosts"]} == {"Sam Rivera", "Kim Lee"}
    assert rows[1]["duration_minutes"] == 60
    assert rows[1]["host_choice"] == "round_robin"


def test_an_offer_in_detail(agency, offer, host, owner, login):
    response = login(owner).get(reverse("api_offer", args=[agency.slug, offer.pk]))
    assert response.status_code == 200, response.content
    assert response.json()["hosts"] == [{"id": str(host.pk), "name": "Sam Rivera"}]


def test_client_contacts_cannot_read_offers(agency, offer, client_member, login):
    client = login(client_member)
    assert_error(client.get(reverse("api_offers", args=[agency.slug])), 403, "permission_denied")
    assert_error(client.get(reverse("api_offer", args=[agency.slug, offer.pk])), 403)


def test_an_offer_of_another_agency_is_404(agency, other_agency, owner, make_member, login):
    foreign_owner = make_member(other_agency, Role.OWNER)
    foreign = services.offer_save(actor=foreign_owner, name="Theirs", slug="theirs")
    assert_error(login(owner).get(reverse("api_offer", args=[agency.slug, foreign.pk])), 404)


# --- Agency side: bookings ----------------------------------------------------------------------


def list_url(agency):
    return reverse("api_bookings", args=[agency.slug])


def booking_url(booking, name="api_booking"):
    return reverse(name, args=[booking.agency.slug, booking.pk])


def listed(response):
    assert response.status_code == 200, response.content
    return [b["id"] for b in response.json()["results"]]


@pytest.fixture
def two_hosts_bookings(picks_offer, host, second_host):
    """One booking with each host, on different days."""
    return (
        make_booking(picks_offer, berlin(10, 9), host=host, email="ada@acme.example"),
        make_booking(picks_offer, berlin(11, 9), host=second_host, email="bo@globex.example"),
    )


def test_admins_see_every_booking_hosts_their_own(
    agency, owner, host, second_host, engineer, two_hosts_bookings, login
):
    mine, theirs = two_hosts_bookings
    assert listed(login(owner).get(list_url(agency))) == [str(mine.pk), str(theirs.pk)]
    assert listed(login(host).get(list_url(agency))) == [str(mine.pk)]
    assert listed(login(second_host).get(list_url(agency))) == [str(theirs.pk)]
    assert listed(login(engineer).get(list_url(agency))) == []


def test_client_contacts_are_refused_the_bookings(agency, client_member, booking, login):
    client = login(client_member)
    assert_error(client.get(list_url(agency)), 403, "permission_denied")
    assert_error(client.get(booking_url(booking)), 403)
    response = client.post(booking_url(booking, "api_booking_cancel"), {"reason": "x"})
    assert_error(response, 403)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_anonymous_visitors_get_401(agency, booking):
    assert_error(Client().get(list_url(agency)), 401)


def test_the_list_rows(agency, owner, booking, host, login):
    row = login(owner).get(list_url(agency), {"tz": NEW_YORK}).json()["results"][0]
    assert row["start"] == "2026-03-10T04:00:00-04:00"
    assert row["offer"]["slug"] == "prototype-review"
    assert row["host"] == {"id": str(host.pk), "name": "Sam Rivera"}
    assert row["booker_email"] == "ada@acme.example"
    assert row["booker_time_zone"] == NEW_YORK
    assert row["status"] == "confirmed"


def test_the_list_filters(agency, owner, host, second_host, two_hosts_bookings, login):
    mine, theirs = two_hosts_bookings
    client = login(owner)
    services.booking_cancel(booking=theirs, reason="No", by_booker=False, actor=owner)

    def query(**params):
        return listed(client.get(list_url(agency), params))

    assert query(host=str(host.pk)) == [str(mine.pk)]
    assert query(status="cancelled") == [str(theirs.pk)]
    assert query(status="confirmed") == [str(mine.pk)]
    assert query(**{"from": "2026-03-11"}) == [str(theirs.pk)]
    assert query(to="2026-03-10") == [str(mine.pk)]
    # Days are read in `tz`: 09:00 Berlin is 04:00 in New York and 22:00 in Kiritimati
    # (UTC+14), the same day in both.
    assert query(**{"from": "2026-03-11", "to": "2026-03-11", "tz": NEW_YORK}) == [str(theirs.pk)]
    assert query(**{"from": "2026-03-10", "to": "2026-03-10", "tz": "Pacific/Kiritimati"}) == [
        str(mine.pk)
    ]


def test_a_day_boundary_is_read_in_the_zone_asked_for(agency, owner, offer, login):
    late = make_booking(offer, berlin(10, 16))  # 15:00 UTC, 05:00 on the 11th in Kiritimati
    client = login(owner)
    day = {"from": "2026-03-10", "to": "2026-03-10"}
    assert listed(client.get(list_url(agency), day)) == [str(late.pk)]
    assert listed(client.get(list_url(agency), {**day, "tz": "Pacific/Kiritimati"})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "nope"}, "status"),
        ({"host": "not-a-uuid"}, "host"),
        ({"host": MISSING}, "host"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-03-10", "to": "2026-03-09"}, "to"),
        ({"tz": "Nowhere/Special"}, "tz"),
    ],
)
def test_bad_list_filters_are_a_400(agency, owner, login, query, field):
    assert_error(login(owner).get(list_url(agency), query), 400, "invalid", field)


def test_a_booking_in_detail_with_its_history(agency, owner, booking, login):
    response = login(owner).get(booking_url(booking), {"tz": BERLIN})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start"] == "2026-03-10T09:00:00+01:00"
    assert body["consent_at"] == "2026-03-02T12:00:00Z"
    assert [e["kind"] for e in body["events"]] == ["booked"]
    assert body["events"][0]["by_booker"] is True


def test_a_host_cannot_see_another_hosts_booking(two_hosts_bookings, host, login):
    _, theirs = two_hosts_bookings
    assert_error(login(host).get(booking_url(theirs)), 404, "not_found")


def test_an_admin_cancels_a_booking(agency, owner, booking, login, committing, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(hours=1))
    response = committing(
        login(owner).post,
        booking_url(booking, "api_booking_cancel"),
        {"reason": "Our host is ill."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == "Our host is ill."
    event = body["events"][-1]
    assert event["kind"] == "cancelled"
    assert event["by_booker"] is False
    assert event["actor"]["id"] == str(owner.user.pk)
    assert len(mail.outbox) == 2
    assert all("Cancelled" in m.subject for m in mail.outbox)


def test_the_agency_may_cancel_late(agency, owner, offer, login):
    tomorrow = make_booking(offer, berlin(3, 9))
    response = login(owner).post(
        booking_url(tomorrow, "api_booking_cancel"), {"reason": "Sorry"}, "application/json"
    )
    assert response.status_code == 200, response.content


def test_a_host_cancels_their_own_but_not_anothers(two_hosts_bookings, host, login):
    mine, theirs = two_hosts_bookings
    client = login(host)
    ok = client.post(booking_url(mine, "api_booking_cancel"), {"reason": "x"}, "application/json")
    assert ok.status_code == 200, ok.content
    no = client.post(booking_url(theirs, "api_booking_cancel"), {"reason": "x"}, "application/json")
    assert_error(no, 404)
    assert Booking.objects.get(pk=theirs.pk).status == Booking.Status.CONFIRMED


def test_cancelling_twice_is_booking_closed(agency, owner, booking, login):
    client = login(owner)
    url = booking_url(booking, "api_booking_cancel")
    assert client.post(url, {"reason": "x"}, "application/json").status_code == 200
    assert_error(client.post(url, {"reason": "x"}, "application/json"), 400, "booking_closed")


def test_an_admin_reschedules_a_booking(agency, owner, booking, login):
    response = login(owner).post(
        booking_url(booking, "api_booking_reschedule"),
        {"start": "2026-03-12T10:00:00+01:00", "reason": "Host travelling."},
        "application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start"] == "2026-03-12T09:00:00Z"
    assert body["reschedule_count"] == 1
    event = body["events"][-1]
    assert event["kind"] == "rescheduled"
    assert event["old_start"] == "2026-03-10T08:00:00Z"
    assert event["actor"]["id"] == str(owner.user.pk)


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ("2026-03-14T10:00:00+01:00", "outside_availability"),
        ("2026-03-12T10:15:00+01:00", "misaligned"),
        ("2026-03-01T10:00:00+01:00", "in_the_past"),
    ],
)
def test_agency_reschedules_meet_the_slot_refusals(agency, owner, booking, login, start, code):
    before = stored()
    response = login(owner).post(
        booking_url(booking, "api_booking_reschedule"), {"start": start}, "application/json"
    )
    assert_error(response, 400, code)
    assert stored() == before


def test_rescheduling_onto_a_taken_time_is_409(agency, owner, booking, offer, login):
    make_booking(offer, berlin(12, 10), email="other@example.test")
    before = stored()
    response = login(owner).post(
        booking_url(booking, "api_booking_reschedule"),
        {"start": "2026-03-12T10:00:00+01:00"},
        "application/json",
    )
    assert_error(response, 409, "slot_taken")
    assert stored() == before


def test_reschedule_needs_an_offset(agency, owner, booking, login):
    response = login(owner).post(
        booking_url(booking, "api_booking_reschedule"),
        {"start": "2026-03-12T10:00:00"},
        "application/json",
    )
    assert_error(response, 400, "invalid", "start", text="UTC offset")


# --- Query counts -------------------------------------------------------------------------------


def fill_bookings(offer, rows: int) -> None:
    """`rows` bookings of the host, hour after hour on the weekdays from Tuesday 3 March."""
    starts = (berlin(day, hour) for day in (3, 4, 5, 6, 9, 10, 11, 12, 13) for hour in range(9, 17))
    for n, start in zip(range(rows), starts, strict=False):
        make_booking(offer, start, email=f"booker{n}@example.test")
    assert Booking.objects.count() == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_booking_list_query_count_is_pinned(
    agency, owner, offer, login, django_assert_num_queries, rows
):
    fill_bookings(offer, rows)
    client = login(owner)
    client.get(list_url(agency))  # warm the session and content-type caches
    # session, user, membership, the page of bookings with offers and hosts
    with django_assert_num_queries(4):
        assert len(listed(client.get(list_url(agency), {"tz": NEW_YORK}))) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_public_slots_query_count_is_pinned(offer, django_assert_num_queries, rows):
    fill_bookings(offer, rows)
    query = {"from": "2026-03-03", "to": "2026-03-16", "tz": NEW_YORK}
    # agency, offer, hosts, schedules, their weekly ranges and overrides, busy time,
    # upcoming counts
    with django_assert_num_queries(8):
        response = get_slots(offer, **query)
    free = sum(len(day["slots"]) for day in response.json()["days"])
    assert free == 10 * 8 - rows
