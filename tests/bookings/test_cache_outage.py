"""Public booking while Redis is away: the abuse limits counted in the cache fail open
(docs/security.md, "Redis outage"), so the page, the form and the API book instead of
answering 500 (issue 11)."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.bookings.models import Booking
from tests.bookings.test_abuse import api_book, form_book, frozen, host, offer, slot  # noqa: F401
from tests.core.test_cache import DEAD_CACHE

pytestmark = pytest.mark.django_db


def test_the_booking_page_form_and_api_book_while_redis_is_away(settings, offer):  # noqa: F811
    settings.CACHES = DEAD_CACHE
    page = Client().get(reverse("book_offer", args=[offer.agency.slug, offer.slug]))
    assert page.status_code == 200
    assert api_book(offer, slot(0)).status_code == 201
    assert form_book(offer, slot(1)).status_code == 302
    assert Booking.objects.filter(consultation_type=offer).count() == 2
