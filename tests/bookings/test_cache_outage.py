"""Public booking while Redis is away: the abuse limits counted in the cache fail open
(docs/security.md, "Redis outage"), so the page, the form and the API book instead of
answering 500, and the booking's emails wait in the task outbox (apps.core.outbox) until the
broker is back, then go out once (issue 11)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.bookings.models import Booking
from apps.bookings.tasks import send_booking_notifications
from apps.core import outbox
from apps.core.models import PendingTask
from apps.core.outbox import publish_pending_tasks
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


def test_a_booking_made_while_the_broker_is_away_is_saved_and_mailed_once_it_returns(
    offer,  # noqa: F811
    committing,
    monkeypatch,
):
    """Issue 11: the booking was saved but its booker got a 500, and its confirmation emails
    were never sent, not even after Redis came back."""
    monkeypatch.setattr(outbox, "SWEEP_GRACE", timedelta(0))
    broker = BrokerAway(monkeypatch, send_booking_notifications)
    mail.outbox.clear()
    response = committing(api_book, offer, slot(0))
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(consultation_type=offer)
    assert mail.outbox == []
    pending = PendingTask.objects.get()
    assert pending.name == send_booking_notifications.name
    assert pending.kwargs == {"agency_id": str(offer.agency_id), "booking_id": str(booking.pk)}
    assert pending.published_at is None
    # Still away: the sweep publishes nothing and loses nothing.
    assert publish_pending_tasks() == 0
    assert mail.outbox == []
    broker.back()
    assert publish_pending_tasks() == 1
    sent = len(mail.outbox)
    assert sent == 2  # the booker and the host
    assert publish_pending_tasks() == 0
    assert len(mail.outbox) == sent
    assert PendingTask.objects.get().published_at is not None


def test_with_the_broker_up_a_booking_publishes_at_commit_and_the_sweep_has_nothing(
    offer,  # noqa: F811
    committing,
    monkeypatch,
):
    monkeypatch.setattr(outbox, "SWEEP_GRACE", timedelta(0))
    mail.outbox.clear()
    assert committing(form_book, offer, slot(0)).status_code == 302
    assert len(mail.outbox) == 2
    assert PendingTask.objects.get().published_at is not None
    assert publish_pending_tasks() == 0
    assert len(mail.outbox) == 2


def test_the_sweep_deletes_rows_published_long_ago(offer, committing, monkeypatch):  # noqa: F811
    committing(api_book, offer, slot(0))
    later = timezone.now() + outbox.KEEP_PUBLISHED + timedelta(minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    publish_pending_tasks()
    assert not PendingTask.objects.exists()
