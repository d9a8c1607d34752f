"""The public booking page on the visitor's clock and in their city's name (issue 13)."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_booking_page_speaks_the_visitors_clock_and_city(client, make_host, make_offer):
    offer = make_offer([make_host()])
    url = reverse("book_offer", args=[offer.agency.slug, offer.slug])
    us = client.get(url, {"tz": "Asia/Calcutta"}, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Kolkata (Asia) · UTC+05:30" in us
    assert " AM</a>" in us or " PM</a>" in us
    gb = client.get(url, {"tz": "Europe/London"}, HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert " AM</a>" not in gb
    assert " PM</a>" not in gb
