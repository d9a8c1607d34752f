"""Abuse limits of public booking, for the form and the API alike: attempts per address and
per email (one count for both doors, 429 with Retry-After), at most N open bookings per email
and agency, a honeypot on the form, and, where the agency asks for it, holds that the booker
confirms from an emailed link and that expire unconfirmed."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent, Verb
from apps.bookings import services
from apps.bookings.models import Booking, BookingEvent, BookingPolicy
from apps.bookings.tasks import release_expired_booking_holds
from apps.bookings.tokens import confirm_code, manage_token
from apps.notifications.dispatch import deliver
from apps.notifications.models import Delivery
from tests.support.api import assert_error

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 6, tzinfo=UTC)  # Monday 08:00 in Berlin
# Weekdays 09:00-17:00 in Berlin are 07:00-15:00 UTC in May: 16 half-hour slots a day.
FIRST_SLOT = datetime(2026, 5, 4, 7, tzinfo=UTC)


class Clock:
    """django-ratelimit's clock: fixed, so that no test straddles a window's edge."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def frozen(monkeypatch, settings):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    clock = Clock()
    monkeypatch.setattr("django_ratelimit.core.time", clock)
    settings.BOOKING_RATE_PER_IP = "10/h"
    settings.BOOKING_RATE_PER_EMAIL = "5/h"
    settings.BOOKING_MAX_OPEN_PER_EMAIL = 3
    settings.BOOKING_HOLD_MINUTES = 15
    return clock


@pytest.fixture
def host(make_host):
    return make_host("Europe/Berlin", name="Hana Host")


@pytest.fixture
def offer(host, make_offer):
    return make_offer([host])


def slot(n: int) -> datetime:
    """The n-th free half-hour from Monday's first (weekdays only)."""
    day, index = divmod(n, 16)
    date = FIRST_SLOT + timedelta(days=day + 2 * ((FIRST_SLOT.weekday() + day) // 5))
    return date + timedelta(minutes=30 * index)


def api_book(offer, start, *, email="fran@acme.test", address="198.51.100.7", **extra):
    body = {
        "start": start.isoformat(),
        "time_zone": "UTC",
        "name": "Fran Founder",
        "email": email,
        "consent": True,
        **extra,
    }
    return Client(REMOTE_ADDR=address).post(
        reverse("api_public_bookings", args=[offer.agency.slug, offer.slug]),
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )


def form_book(offer, start, *, email="fran@acme.test", address="198.51.100.7", **extra):
    data = {
        "start": start.isoformat(),
        "time_zone": "UTC",
        "idempotency_key": uuid.uuid4().hex,
        "name": "Fran Founder",
        "email": email,
        "consent": "on",
        **extra,
    }
    return Client(REMOTE_ADDR=address).post(
        reverse("book_offer", args=[offer.agency.slug, offer.slug]), data
    )


def service_book(offer, start, *, email="fran@acme.test"):
    return services.booking_create(
        consultation_type=offer,
        start=start,
        booker=services.Booker(name="Fran Founder", email=email, time_zone="UTC"),
        consent=True,
        idempotency_key=uuid.uuid4().hex,
    ).booking


# --- Attempts per address and per email ---------------------------------------------------------


def test_a_burst_of_35_posts_books_only_what_the_address_limit_allows(
    offer, django_capture_on_commit_callbacks
):
    """The listed failure: 35 posts in 2.7 seconds booked out every free slot for two weeks
    and mailed arbitrary addresses."""
    with django_capture_on_commit_callbacks(execute=True):
        responses = [api_book(offer, slot(n), email=f"victim{n}@example.test") for n in range(35)]
    statuses = [r.status_code for r in responses]
    assert statuses == [201] * 10 + [429] * 25
    assert Booking.objects.count() == 10
    assert len(mail.outbox) == 2 * 10  # the booker and the host of each booking made
    refused = responses[-1]
    assert_error(refused, 429, code="throttled", text="Too many booking attempts")
    assert 0 < int(refused["Retry-After"]) <= 3600


def test_the_form_counts_attempts_per_address_too(offer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        responses = [form_book(offer, slot(n), email=f"v{n}@example.test") for n in range(12)]
    assert [r.status_code for r in responses] == [302] * 10 + [429] * 2
    refused = responses[-1]
    assert "Please wait before booking again" in refused.content.decode()
    assert "Too many booking attempts" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert Booking.objects.count() == 10
    assert len(mail.outbox) == 20


def test_the_form_and_the_api_share_one_count(offer):
    for n in range(5):
        assert form_book(offer, slot(n), email=f"f{n}@example.test").status_code == 302
    for n in range(5, 10):
        assert api_book(offer, slot(n), email=f"a{n}@example.test").status_code == 201
    assert form_book(offer, slot(10), email="f10@example.test").status_code == 429
    assert_error(api_book(offer, slot(11), email="a11@example.test"), 429)
    # Another address is not affected.
    assert (
        api_book(offer, slot(12), email="b@example.test", address="203.0.113.5").status_code == 201
    )


def test_attempts_per_email_are_limited_whatever_the_address(offer, settings):
    settings.BOOKING_MAX_OPEN_PER_EMAIL = 50
    for n in range(5):
        response = api_book(offer, slot(n), email="Target@Example.test", address=f"192.0.2.{n}")
        assert response.status_code == 201
    refused = form_book(offer, slot(5), email="target@example.test", address="192.0.2.77")
    assert refused.status_code == 429
    assert_error(api_book(offer, slot(6), email="target@example.test", address="192.0.2.78"), 429)
    assert Booking.objects.count() == 5


def test_the_window_passes_and_the_address_may_book_again(offer, frozen):
    for n in range(10):
        assert api_book(offer, slot(n), email=f"v{n}@example.test").status_code == 201
    refused = api_book(offer, slot(10), email="v10@example.test")
    assert refused.status_code == 429
    frozen.now += int(refused["Retry-After"])
    assert api_book(offer, slot(11), email="v11@example.test").status_code == 201


# --- Open bookings per email --------------------------------------------------------------------


def test_more_than_n_open_bookings_per_email_are_refused_at_both_doors(offer):
    for n in range(3):
        service_book(offer, slot(n), email="fran@acme.test")
    response = api_book(offer, slot(3), email="FRAN@acme.test")
    assert_error(response, 400, field="email", text="at most 3 per address")
    page = form_book(offer, slot(4), email="fran@acme.test")
    assert page.status_code == 400
    assert "already has 3 upcoming bookings" in page.content.decode()
    assert Booking.objects.count() == 3


def test_cancelled_and_past_bookings_do_not_count(offer, owner):
    first = service_book(offer, slot(0))
    service_book(offer, slot(1))
    past = service_book(offer, slot(2))
    # A booking that has taken place no longer counts...
    yesterday = NOW - timedelta(days=1)
    Booking.objects.filter(pk=past.pk).update(
        start=yesterday, end=yesterday + timedelta(minutes=30),
        blocked_start=yesterday, blocked_end=yesterday + timedelta(minutes=30),
    )  # fmt: skip
    service_book(offer, slot(3))
    # ...nor does a cancelled one.
    services.booking_cancel(booking=first, reason="Clash", by_booker=False, actor=owner)
    assert api_book(offer, slot(4)).status_code == 201
    assert_error(api_book(offer, slot(5)), 400, field="email")


def test_another_agency_counts_its_own_bookings(offer, other_agency, make_member):
    from apps.agencies.roles import Role
    from apps.bookings.services import offer_save, schedule_save
    from tests.bookings.conftest import NINE_TO_FIVE

    for n in range(3):
        service_book(offer, slot(n))
    owner = make_member(other_agency, Role.OWNER, time_zone="Europe/Berlin")
    schedule_save(actor=owner, member=owner, time_zone="Europe/Berlin", weekly=NINE_TO_FIVE)
    theirs = offer_save(
        actor=owner, hosts=[owner], name="Audit", slug="audit", minimum_notice_minutes=0
    )
    assert api_book(theirs, slot(0)).status_code == 201


# --- The honeypot --------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people(client, offer):
    page = client.get(
        reverse("book_offer", args=[offer.agency.slug, offer.slug]),
        {"tz": "UTC", "day": "2026-05-05", "start": slot(16).isoformat()},
    ).content.decode()
    hidden = re.search(r"<div hidden>(.*?)</div>\s*</div>", page, re.S)
    assert hidden is not None
    assert 'name="website"' in hidden.group(1)
    assert 'tabindex="-1"' in hidden.group(1)
    assert page.count('name="website"') == 1


def test_a_filled_honeypot_books_nothing_and_mails_nothing(
    offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = form_book(offer, slot(0), website="https://cheap-pills.example")
    assert response.status_code == 400
    assert "Leave this field empty" in response.content.decode()
    assert "We could not accept this booking" in response.content.decode()
    assert not Booking.objects.exists()
    assert mail.outbox == []


# --- Holds confirmed by email ---------------------------------------------------------------------


@pytest.fixture
def confirming(agency, owner):
    return services.policy_save(actor=owner, confirm_by_email=True)


def _confirm_link(message) -> str:
    found = re.search(r"http://testserver(/book/manage/\S+/confirm/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_with_confirmation_on_a_booking_is_a_short_hold_and_only_the_booker_is_mailed(
    offer, confirming, host, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = form_book(offer, slot(0))
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.PENDING
    assert booking.hold_expires_at == NOW + timedelta(minutes=15)
    (message,) = mail.outbox
    assert message.to == ["fran@acme.test"]
    assert message.attachments == []
    assert "Confirm your Prototype review" in message.subject
    assert _confirm_link(message).startswith(f"/book/manage/{manage_token(booking)[:10]}")
    page = Client().get(response["Location"]).content.decode()
    assert "Check your email to confirm" in page
    assert "We are holding this time for you" in page


def test_a_hold_keeps_its_time_from_others(offer, confirming):
    service_book(offer, slot(0))
    taken = api_book(offer, slot(0), email="other@example.test", address="203.0.113.5")
    assert_error(taken, 409, code="slot_taken")
    slots = Client().get(
        reverse("api_public_slots", args=[offer.agency.slug, offer.slug]),
        {"from": "2026-05-04", "to": "2026-05-04", "tz": "UTC"},
    )
    starts = [s["start_utc"] for s in slots.json()["days"][0]["slots"]]
    assert slot(0).isoformat().replace("+00:00", "Z") not in starts
    assert slot(1).isoformat().replace("+00:00", "Z") in starts


def test_opening_the_link_changes_nothing_and_pressing_confirm_confirms(
    offer, confirming, host, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        form_book(offer, slot(0))
    link = _confirm_link(mail.outbox[0])
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my booking" in page.content.decode()
    assert Booking.objects.get().status == Booking.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.status, booking.hold_expires_at) == (Booking.Status.CONFIRMED, None)
    assert booking.events.filter(kind=BookingEvent.Kind.CONFIRMED, by_booker=True).exists()
    invitations = mail.outbox[1:]
    assert {m.to[0] for m in invitations} == {"fran@acme.test", host.user.email}
    assert all(m.attachments for m in invitations)
    # A second press (or a reload) is harmless: nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link).status_code == 302
    assert len(mail.outbox) == 3


def test_the_manage_token_alone_cannot_confirm(offer, confirming):
    booking = service_book(offer, slot(0))
    forged = reverse("booking_confirm", args=[manage_token(booking), "0" * 64])
    for method in (Client().get, Client().post):
        response = method(forged)
        assert response.status_code == 400
        assert "confirmation link is not valid" in response.content.decode()
    assert Booking.objects.get().status == Booking.Status.PENDING
    with pytest.raises(services.ApplicationError, match="not valid"):
        services.booking_confirm(booking=booking, code="nope")


def test_an_unconfirmed_hold_expires_and_frees_its_time(offer, confirming, monkeypatch):
    held = service_book(offer, slot(0))
    link = reverse("booking_confirm", args=[manage_token(held), confirm_code(held)])
    later = NOW + timedelta(minutes=16)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    page = Client().get(link)
    assert "not confirmed in time" in page.content.decode()
    assert "Confirm my booking" not in page.content.decode()
    refused = Client().post(link)
    assert refused.status_code == 400
    assert "not confirmed in time" in refused.content.decode()
    assert Booking.objects.get(pk=held.pk).status == Booking.Status.PENDING
    # Someone else takes the time: the stale hold gives way.
    assert api_book(offer, slot(0), email="other@example.test").status_code == 201
    assert not Booking.objects.filter(pk=held.pk).exists()
    gone = Client().get(link)
    assert gone.status_code == 404
    assert "not confirmed in time" in gone.content.decode()


def test_the_beat_task_releases_expired_holds_only(offer, confirming, owner, monkeypatch):
    expired = service_book(offer, slot(0))
    Booking.objects.filter(pk=expired.pk).update(hold_expires_at=NOW - timedelta(seconds=1))
    live = service_book(offer, slot(1))
    services.policy_save(actor=owner, confirm_by_email=False)
    confirmed = service_book(offer, slot(2))
    assert release_expired_booking_holds() == 1
    assert set(Booking.objects.values_list("pk", flat=True)) == {live.pk, confirmed.pk}
    assert release_expired_booking_holds() == 0


def test_open_holds_count_towards_the_email_limit_expired_ones_do_not(offer, confirming):
    held = [service_book(offer, slot(n)) for n in range(3)]
    assert_error(api_book(offer, slot(3)), 400, field="email")
    Booking.objects.filter(pk=held[0].pk).update(hold_expires_at=NOW)
    assert api_book(offer, slot(3)).status_code == 201


def test_the_api_answers_a_hold_with_its_expiry_in_the_bookers_zone(offer, confirming):
    response = api_book(offer, slot(0), time_zone="America/New_York")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["hold_expires_at"] == "2026-05-04T02:15:00-04:00"
    assert api_book(offer, slot(1), email="b@example.test").json()["status"] == "pending"


def test_the_confirmation_email_is_sent_once_however_often_the_task_runs(offer, confirming):
    booking = service_book(offer, slot(0))
    row = Delivery.objects.get(kind="booking.confirm_request", subject_id=str(booking.pk))
    ids = {"agency_id": str(booking.agency_id), "delivery_id": str(row.pk)}
    assert deliver(**ids) == "sent"
    assert deliver(**ids) == "nothing to do"
    assert len(mail.outbox) == 1
    booking.refresh_from_db()
    assert booking.confirmation_sent_at is not None
    assert Delivery.objects.get(pk=row.pk).status == "sent"


# --- The agency's setting ----------------------------------------------------------------------


def test_the_agency_turns_confirmation_on_from_its_booking_settings(login, owner, agency):
    url = reverse("booking_policy", args=[agency.slug])
    client = login(owner)
    assert "Ask bookers to confirm by email" in client.get(url).content.decode()
    data = {
        "cancel_notice_hours_0": 24,
        "cancel_notice_hours_1": "hours",
        "max_reschedules": 2,
        "privacy_notice": services.policy_for(agency).privacy_notice,
        "confirm_by_email": "on",
    }
    assert client.post(url, data).status_code == 302
    assert BookingPolicy.objects.get(agency=agency).confirm_by_email is True
    event = AuditEvent.objects.get(verb=Verb.BOOKING_SETTINGS_CHANGED)
    assert event.changes == {"confirm_by_email": [False, True]}
    assert (event.agency_id, event.actor_id) == (agency.pk, owner.user_id)
    # Saving it unchanged records nothing more.
    client.post(url, data)
    assert AuditEvent.objects.filter(verb=Verb.BOOKING_SETTINGS_CHANGED).count() == 1


def test_bad_settings_input_and_other_roles_change_nothing(login, owner, engineer, agency):
    url = reverse("booking_policy", args=[agency.slug])
    bad = {
        "cancel_notice_hours_0": -1,
        "cancel_notice_hours_1": "hours",
        "max_reschedules": 2,
        "privacy_notice": "x",
        "confirm_by_email": "on",
    }
    response = login(owner).post(url, bad)
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    good = {**bad, "cancel_notice_hours_0": 24, "cancel_notice_hours_1": "hours"}
    assert login(engineer).post(url, good).status_code == 403
    assert not BookingPolicy.objects.filter(agency=agency, confirm_by_email=True).exists()
    assert not AuditEvent.objects.filter(verb=Verb.BOOKING_SETTINGS_CHANGED).exists()


# --- PostgreSQL: the database's part --------------------------------------------------------------


@pytest.mark.postgres
def test_the_database_itself_keeps_a_live_hold_apart(offer, confirming, host):
    """A write that skips the service's check cannot take a held time either."""
    from django.db import IntegrityError, transaction

    held = service_book(offer, slot(0))
    clash = Booking(
        agency=held.agency, consultation_type=offer, host=host,
        start=held.start, end=held.end, blocked_start=held.start, blocked_end=held.end,
        booker_name="X", booker_email="x@example.test", booker_time_zone="UTC",
        consent_at=NOW, idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_bookings_of_one_email_stay_within_the_open_limit(offer):
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    from apps.core.tenancy import tenant_context

    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            with tenant_context(offer.agency):
                service_book(offer, slot(n), email="racer@example.test")
            result = "booked"
        except ValidationError as exc:
            result = "refused" if "email" in exc.message_dict else repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] * 3 + ["refused"] * 5
    assert Booking.objects.filter(booker_email="racer@example.test").count() == 3


def test_a_hold_cannot_become_a_client_before_the_booker_confirms(offer, confirming, owner):
    from apps.clients.models import Client as ClientCompany

    held = service_book(offer, slot(0))
    with pytest.raises(services.ApplicationError, match="awaiting the booker's confirmation"):
        services.booking_convert(actor=owner, booking=held)
    assert not ClientCompany.objects.exists()


@pytest.mark.parametrize("token", ["not-a-token", "eyJiIjoiMSJ9:1abc:forged"])
def test_a_forged_confirmation_link_is_refused_and_changes_nothing(offer, confirming, token):
    held = service_book(offer, slot(0))
    url = reverse("booking_confirm", args=[token, confirm_code(held)])
    for method in (Client().get, Client().post):
        response = method(url)
        assert response.status_code == 400
        assert "This link cannot be used" in response.content.decode()
    assert Booking.objects.get().status == Booking.Status.PENDING
