"""Public booking while Redis is away: the abuse limits counted in the cache fail open
(docs/security.md, "Redis outage"), so the page, the form and the API book instead of
answering 500, and the booking's emails wait in the notifications outbox (apps.notifications)
until the broker is back, then go out once (issues 11 and 12)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.bookings.models import Booking
from apps.notifications.dispatch import deliver, dispatch_deliveries
from apps.notifications.models import Delivery
from tests.bookings.test_abuse import api_book, form_book, frozen, host, offer, slot  # noqa: F401
from tests.core.test_cache import DEAD_CACHE
from tests.support.broker import BrokerAway

pytestmark = pytest.mark.django_db


def test_the_booking_page_form_and_api_book_while_redis_is_away(settings, offer):  # noqa: F811
    settings.CACHES = DEAD_CACHE
    page = Client().get(reverse("book_offer", args=[offer.agency.slug, offer.slug]))
    assert page.status_code == 200
    assert api_book(offer, slot(0)).status_code == 201
    assert form_book(offer, slot(1)).status_code == 302
    assert Booking.objects.filter(consultation_type=offer).count() == 2


def _notices():
    return Delivery.objects.filter(kind="booking.notice")


def test_a_booking_made_while_the_broker_is_away_is_saved_and_mailed_once_it_returns(
    offer,  # noqa: F811
    committing,
    monkeypatch,
):
    """Issue 11: the booking was saved but its booker got a 500, and its confirmation emails
    were never sent, not even after Redis came back."""
    broker = BrokerAway(monkeypatch, deliver)
    mail.outbox.clear()
    response = committing(api_book, offer, slot(0))
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(consultation_type=offer)
    assert mail.outbox == []
    assert sorted(_notices().values_list("audience", flat=True)) == ["", "booker"]  # and host
    assert set(_notices().values_list("status", flat=True)) == {"pending"}
    assert set(_notices().values_list("subject_id", flat=True)) == {str(booking.pk)}
    # Still away: the dispatcher hands nothing over and loses nothing.
    assert committing(dispatch_deliveries) == 0
    assert mail.outbox == []
    broker.back()
    # The dispatch's claims of a moment ago wait out their lease; beat's next run after it.
    later = timezone.now() + timedelta(minutes=10)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert committing(dispatch_deliveries) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["fran@acme.test", booking.host.user.email]
    )
    assert committing(dispatch_deliveries) == 0
    assert len(mail.outbox) == 2
    assert set(_notices().values_list("status", flat=True)) == {"sent"}


def test_with_the_broker_up_a_booking_is_mailed_at_commit_and_the_dispatcher_has_nothing(
    offer,  # noqa: F811
    committing,
):
    mail.outbox.clear()
    assert committing(form_book, offer, slot(0)).status_code == 302
    assert len(mail.outbox) == 2
    assert set(_notices().values_list("status", flat=True)) == {"sent"}
    assert committing(dispatch_deliveries) == 0
    assert len(mail.outbox) == 2
