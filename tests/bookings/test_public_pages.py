"""The public booking pages: an agency's offers, days then times in the booker's zone, the
form, the "just taken" answer, and the signed page to reschedule or cancel."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse

from apps.bookings import services
from apps.bookings.models import Booking
from apps.bookings.tokens import booking_id_from_token, manage_token
from tests.support.copy import copy_faults

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 8, tzinfo=UTC)  # Monday; 10:00 in Berlin, 17:00 in Tokyo


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


@pytest.fixture
def offer(make_host, make_offer):
    return make_offer([make_host("Europe/Berlin", name="Hana Host")], minimum_notice_minutes=60)


def page(client, offer, **params):
    return client.get(reverse("book_offer", args=[offer.agency.slug, offer.slug]), params)


def test_the_agency_page_lists_published_offers_only(client, offer, make_offer, make_host):
    make_offer([make_host()], name="Secret", slug="secret", is_active=False)
    response = client.get(reverse("book_agency", args=[offer.agency.slug]))
    assert "Prototype review" in response.content.decode()
    assert "Secret" not in response.content.decode()
    assert client.get(reverse("book_agency", args=["no-such-agency"])).status_code == 404
    assert page(client, offer).status_code == 200
    hidden = client.get(reverse("book_offer", args=[offer.agency.slug, "secret"]))
    assert hidden.status_code == 404


def test_days_and_times_are_shown_in_the_bookers_zone(client, offer):
    response = page(client, offer, tz="Asia/Tokyo", day="2026-05-05")
    body = response.content.decode()
    assert response.context["zone"] == "Asia/Tokyo"
    # Berlin 09:00-17:00 (UTC+2) is 16:00-00:00 in Tokyo (UTC+9): the last slot is 23:30.
    times = [local.strftime("%H:%M") for _, local in response.context["picker"].times]
    assert times[0] == "16:00"
    assert times[-1] == "23:30"
    assert "Times in Tokyo time" in body


def test_a_malformed_time_zone_is_explained(client, offer):
    response = page(client, offer, tz="Mars/Olympus_Mons")
    assert response.status_code == 400
    assert "is not a time zone we know" in response.content.decode()
    assert response.context["zone"] == "Europe/Berlin"


def _form_data(response, **overrides):
    form = response.context["form"]
    data = {name: form[name].value() for name in ("start", "time_zone", "idempotency_key")}
    data.update(
        name="Fran Founder", email="fran@acme.test", company="Acme", consent="on",
        prototype_url="acme.lovable.app", platform="lovable", expected_users="20000",
        compliance=["gdpr"], notes="Payments next month",
    )  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _chosen(client, offer, tz="America/New_York", start="2026-05-06T08:00:00+00:00"):
    return page(client, offer, tz=tz, day="2026-05-06", start=start)


def test_booking_through_the_page(client, offer, committing):
    form_page = _chosen(client, offer)
    assert "Wednesday 6 May, 04:00" in form_page.content.decode()
    response = committing(
        client.post, reverse("book_offer", args=[offer.agency.slug, offer.slug]),
        _form_data(form_page),
    )  # fmt: skip
    booking = Booking.objects.get()
    assert response.status_code == 302
    token = response["Location"].split("/book/manage/", 1)[1].split("/", 1)[0]
    assert booking_id_from_token(token) == str(booking.pk)  # tokens carry a timestamp
    assert booking.start == datetime(2026, 5, 6, 8, tzinfo=UTC)
    assert (booking.booker_time_zone, booking.platform, booking.compliance) == (
        "America/New_York", "lovable", ["gdpr"],
    )  # fmt: skip
    assert booking.prototype_url == "https://acme.lovable.app"
    assert len(mail.outbox) == 2
    confirmation = client.get(response["Location"]).content.decode()
    assert "You&#x27;re booked" in confirmation or "You're booked" in confirmation
    assert "Wednesday 6 May 2026, 04:00 to 04:30" in confirmation


def test_double_submit_books_once(client, offer):
    data = _form_data(_chosen(client, offer))
    url = reverse("book_offer", args=[offer.agency.slug, offer.slug])
    client.post(url, data)
    client.post(url, data)
    assert Booking.objects.count() == 1


def test_the_loser_of_a_race_hears_the_time_was_taken_and_sees_fresh_times(client, offer):
    url = reverse("book_offer", args=[offer.agency.slug, offer.slug])
    first = _form_data(_chosen(client, offer))
    second = _form_data(_chosen(client, offer), email="other@example.test")
    client.post(url, first)
    response = client.post(url, second)
    body = response.content.decode()
    assert response.status_code == 409
    assert "That time was just taken" in body
    times = [local.strftime("%H:%M") for _, local in response.context["picker"].times]
    assert times  # fresh times for that day
    assert "04:00" not in times
    assert Booking.objects.count() == 1


def test_the_times_shown_are_the_picked_hosts(client, make_host, make_offer, committing):
    """A bug fix: a booker who picked a host was shown every host's times, and a time only
    another host had was then refused. On such an offer someone is always picked: the first
    host (by priority, then name) until the booker chooses another, never "anyone"."""
    from datetime import time

    morning = make_host("UTC", weekly={d: [(time(9), time(10))] for d in range(5)}, name="M")
    evening = make_host("UTC", weekly={d: [(time(17), time(18))] for d in range(5)}, name="E")
    picks = make_offer([morning, evening], slug="pick-a-host", host_choice="booker_picks")

    def times(**params):
        response = page(client, picks, tz="UTC", day="2026-05-06", **params)
        return [local.strftime("%H:%M") for _, local in response.context["picker"].times]

    assert times() == ["17:00", "17:30"]  # "E" before "M"
    assert times(host=str(evening.pk)) == ["17:00", "17:30"]
    assert times(host=str(morning.pk)) == ["09:00", "09:30"]
    assert times(host="not-a-host") == ["17:00", "17:30"]
    listing = page(client, picks, tz="UTC", day="2026-05-06").content.decode()
    assert "Anyone" not in listing
    assert f'<option value="{evening.pk}" selected>' in listing
    assert f"host={evening.pk}" in listing  # each time's link keeps the person
    chosen = page(
        client, picks, tz="UTC", day="2026-05-06", host=str(evening.pk),
        start="2026-05-06T17:00:00+00:00",
    )  # fmt: skip
    url = reverse("book_offer", args=[picks.agency.slug, picks.slug])
    assert chosen.context["form"]["host"].value() == str(evening.pk)
    data = _form_data(chosen, host=str(evening.pk))
    assert committing(client.post, url, data).status_code == 302
    assert Booking.objects.get().host == evening


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": None}, "Please agree to the privacy notice"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"name": ""}, "This field is required"),
        ({"start": "2026-05-06T08:10:00+00:00"}, "start times shown"),
        ({"start": "2026-05-04T08:30:00+00:00"}, "too soon"),
        ({"start": "2026-05-01T08:00:00+00:00"}, "in the past"),
        ({"start": "2026-09-01T08:00:00+00:00"}, "too far ahead"),
        ({"start": "2026-05-06T20:00:00+00:00"}, "Nobody is available"),
        ({"start": "yesterday-ish"}, "Enter a valid date/time"),
        ({"platform": "bubble"}, "Select a valid choice"),
        ({"expected_users": "-1"}, "greater than or equal to 0"),
        ({"time_zone": "Nowhere/Special"}, "not a time zone we know"),
    ],
)
def test_bad_input_is_explained_and_books_nothing(client, offer, overrides, message):
    response = client.post(
        reverse("book_offer", args=[offer.agency.slug, offer.slug]),
        _form_data(_chosen(client, offer), **overrides),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_a_signed_in_client_contact_gets_the_form_prefilled(
    login, offer, make_member, agency, booker
):
    from apps.agencies.roles import Role
    from tests.factories import ClientFactory

    contact = make_member(
        agency, Role.CLIENT, client=ClientFactory(agency=agency, name="Acme Payments"),
        name="Cleo Client", email="cleo@acme.test",
    )  # fmt: skip
    client = login(contact)
    form = _chosen(client, offer).context["form"]
    assert (form["name"].value(), form["email"].value(), form["company"].value()) == (
        "Cleo Client", "cleo@acme.test", "Acme Payments",
    )  # fmt: skip
    client.post(
        reverse("book_offer", args=[offer.agency.slug, offer.slug]),
        _form_data(_chosen(client, offer)),
    )
    assert "Your upcoming bookings" in page(client, offer).content.decode()


@pytest.fixture
def booking(offer, booker):
    return services.booking_create(
        consultation_type=offer, start=datetime(2026, 5, 6, 8, tzinfo=UTC), booker=booker(),
        consent=True, idempotency_key="public-page-01", now=NOW,
    ).booking  # fmt: skip


def test_forged_and_tampered_links_are_refused(client, booking):
    token = manage_token(booking)
    for bad in (token[:-2] + "xx", "not-a-token", token.replace(":", ".", 1)):
        response = client.get(reverse("booking_manage", args=[bad]))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    response = client.post(
        reverse("booking_manage", args=["forged"]), {"action": "cancel", "reason": "x"}
    )
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_an_expired_link_is_refused(client, booking, monkeypatch):
    from apps.bookings import tokens

    monkeypatch.setattr(tokens, "MAX_AGE", -1)
    response = client.get(reverse("booking_manage", args=[manage_token(booking)]))
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_booker_reschedules_through_the_link(client, booking, committing):
    url = reverse("booking_manage", args=[manage_token(booking)])
    picker = client.get(url, {"reschedule": "1", "tz": "America/New_York", "day": "2026-05-07"})
    assert "Choose a new time" in picker.content.decode()
    confirm = client.get(url, {"tz": "America/New_York", "start": "2026-05-07T09:00:00+00:00"})
    assert "Thursday 7 May, 05:00" in confirm.content.decode()
    assert copy_faults(confirm) == []  # the reason's label once said "(optional)" twice
    committing(
        client.post, url,
        {"action": "reschedule", "start": "2026-05-07T09:00:00+00:00", "reason": "Travel"},
    )  # fmt: skip
    booking.refresh_from_db()
    assert booking.start == datetime(2026, 5, 7, 9, tzinfo=UTC)
    assert booking.sequence == 1
    moved = [m for m in mail.outbox if m.subject.startswith("Moved:")]
    assert len(moved) == 2


def test_rescheduling_to_a_time_taken_meanwhile_is_409_and_changes_nothing(client, booking, booker):
    services.booking_create(
        consultation_type=booking.consultation_type, start=datetime(2026, 5, 7, 9, tzinfo=UTC),
        booker=booker(email="other@acme.test"), consent=True, idempotency_key="other-booker-1",
    )  # fmt: skip
    url = reverse("booking_manage", args=[manage_token(booking)])
    response = client.post(url, {"action": "reschedule", "start": "2026-05-07T09:00:00+00:00"})
    assert response.status_code == 409
    assert "That time was just taken" in response.content.decode()
    booking.refresh_from_db()
    assert (booking.start, booking.sequence) == (datetime(2026, 5, 6, 8, tzinfo=UTC), 0)


def test_the_manage_page_offers_only_what_the_policy_allows(client, booking, owner):
    url = reverse("booking_manage", args=[manage_token(booking)])
    context = client.get(url).context
    assert (context["can_change"], context["can_reschedule"]) == (True, True)
    services.policy_save(actor=owner, max_reschedules=0)
    context = client.get(url).context
    assert (context["can_change"], context["can_reschedule"]) == (True, False)
    assert "the most allowed online" in client.get(url).content.decode()
    # The meeting is 48 hours away: a 72-hour notice closes both.
    services.policy_save(actor=owner, cancel_notice_hours=72)
    context = client.get(url).context
    assert (context["can_change"], context["can_reschedule"]) == (False, False)
    assert "can no longer be changed online" in client.get(url).content.decode()


def test_booker_cancels_through_the_link_with_a_reason(client, booking):
    url = reverse("booking_manage", args=[manage_token(booking)])
    refused = client.post(url, {"action": "cancel", "reason": ""})
    assert refused.status_code == 400
    assert "Please say why" in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    client.post(url, {"action": "cancel", "reason": "We found a partner"})
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == ("cancelled", "We found a partner")
    page_after = client.get(url).content.decode()
    assert "Cancelled:" in page_after
    # Not a dead end: the way to book again, in the booker's zone.
    offer = booking.consultation_type
    again = reverse("book_offer", args=[offer.agency.slug, offer.slug])
    assert f'href="{again}?tz=' in page_after
    assert "Cancel the booking" not in page_after


def test_the_invitation_file_can_be_downloaded(client, booking):
    response = client.get(reverse("booking_ics", args=[manage_token(booking)]))
    assert response["Content-Type"] == "text/calendar"
    assert re.search(rb"UID:booking-[0-9a-f-]+@launchpad", response.content)


@pytest.mark.parametrize("hosts", [1, 6])
def test_the_booking_page_query_count_does_not_grow_with_the_hosts(
    login, make_host, make_offer, make_member, agency, hosts, django_assert_num_queries
):
    """A booker-picks offer names every host, and a signed-in contact gets the form
    prefilled: the same queries with one host as with six."""
    from apps.agencies.roles import Role
    from tests.factories import ClientFactory

    people = [make_host("Europe/Berlin", name=f"Host {n}") for n in range(hosts)]
    picks = make_offer(people, slug="pick-a-host", host_choice="booker_picks")
    contact = make_member(
        agency, Role.CLIENT, client=ClientFactory(agency=agency, name="Acme Payments")
    )
    client = login(contact)
    _chosen(client, picks)  # warm the session and content-type caches
    # session, user, agency, offer, its hosts; the slot engine's schedules, weekly ranges,
    # overrides, busy time and upcoming counts; the prefill's membership, the booking
    # policy, the booker's own bookings; the agency's brand (its logo and colour)
    with django_assert_num_queries(15):
        response = _chosen(client, picks)
    assert len(response.context["host_names"]) == hosts
    assert response.context["form"]["company"].value() == "Acme Payments"


def test_a_confirmed_booking_offers_calendars_a_clickable_meeting_link_and_quiet_changes(
    client, booking
):
    from urllib.parse import parse_qs, urlparse

    offer = booking.consultation_type
    offer.location_detail = "https://meet.example.test/northwind-review"
    offer.save(update_fields=["location_detail"])
    token = manage_token(booking)
    page = client.get(reverse("booking_manage", args=[token])).content.decode()
    assert '<a href="https://meet.example.test/northwind-review"' in page
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', page).group(1)
    query = parse_qs(urlparse(google.replace("&amp;", "&")).query)
    assert query["dates"] == [
        booking.start.strftime("%Y%m%dT%H%M%SZ") + "/" + booking.end.strftime("%Y%m%dT%H%M%SZ")
    ]
    assert offer.name in query["text"][0]
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page
    assert reverse("booking_ics", args=[token]) in page
    # Changing it is a quiet link, not a red form on show.
    assert "<summary>Cancel the booking</summary>" in page
    assert 'class="btn btn--secondary" href="?tz=' not in page


def test_the_hosts_email_carries_the_bookers_intake_answers(offer, booker, committing):
    committing(
        services.booking_create,
        consultation_type=offer, start=datetime(2026, 5, 6, 8, tzinfo=UTC),
        booker=booker(company="Acme Payments", platform="lovable", expected_users=20000,
                      compliance=("gdpr", "hipaa"), prototype_url="https://acme.lovable.app",
                      notes="Stripe checkout breaks under load."),
        consent=True, idempotency_key="intake-answers-01", now=NOW,
    )  # fmt: skip
    host = offer.hosts.first().membership.user
    (to_host,) = [m for m in mail.outbox if m.to == [host.email]]
    body = to_host.body
    assert "What Fran Founder told us:" in body
    for line in (
        "- Company: Acme Payments", "- Built with: Lovable",
        "- Prototype: https://acme.lovable.app", "- Users expected: 20,000",
        "- Compliance: GDPR, HIPAA", "- Notes: Stripe checkout breaks under load.",
    ):  # fmt: skip
        assert line in body
    (to_booker,) = [m for m in mail.outbox if m.to == ["fran@acme.test"]]
    assert "told us" not in to_booker.body
