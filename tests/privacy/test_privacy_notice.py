"""Each agency writes its privacy notice on its settings; it is public, and the booking form
links to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent, Verb
from apps.privacy.models import PrivacyNotice
from tests.privacy.conftest import offer
from tests.privacy.search import snapshot

pytestmark = pytest.mark.django_db

NOTICE = {
    "contact_email": "Privacy@North.test",
    "contact_details": "1 Mill Lane, Leeds",
    "data_kept": "Your name, address and what you tell us about your prototype.",
    "retention": "Twelve months after our last meeting.",
}


def test_an_admin_writes_the_notice_on_the_settings(agency, admin_member, login):
    client = login(admin_member)
    url = reverse("privacy_settings", args=[agency.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, NOTICE)
    assert response.status_code == 302
    notice = PrivacyNotice.objects.get(agency=agency)
    assert notice.contact_email == "privacy@north.test"
    assert notice.retention == NOTICE["retention"]
    event = AuditEvent.objects.get(verb=Verb.AGENCY_UPDATED, agency=agency)
    assert event.changes == {"privacy_notice": sorted(NOTICE)}
    # Saving the same again is no change, and no second event.
    client.post(url, NOTICE)
    assert PrivacyNotice.objects.filter(agency=agency).count() == 1
    assert AuditEvent.objects.filter(verb=Verb.AGENCY_UPDATED, agency=agency).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("contact_email", "not an address"), ("data_kept", ""), ("retention", "x" * 2001)],
)
def test_bad_input_is_refused_beside_the_field_and_saves_nothing(
    agency, admin_member, login, field, value
):
    client = login(admin_member)
    before = snapshot()
    response = client.post(
        reverse("privacy_settings", args=[agency.slug]), {**NOTICE, field: value}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert snapshot() == before


def test_an_engineer_cannot_change_the_notice(agency, engineer, login):
    client = login(engineer)
    before = snapshot()
    url = reverse("privacy_settings", args=[agency.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, NOTICE).status_code == 403
    assert snapshot() == before


def test_the_notice_is_public(agency, admin_member, login):
    login(admin_member).post(reverse("privacy_settings", args=[agency.slug]), NOTICE)
    page = Client().get(reverse("privacy_notice", args=[agency.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "privacy@north.test" in text
    assert "Twelve months after our last meeting." in text
    assert "after 730 days" in text  # the service's own retention, from settings


def test_an_agency_without_a_notice_says_so(agency):
    page = Client().get(reverse("privacy_notice", args=[agency.slug]))
    assert page.status_code == 200
    assert "has not published its privacy notice yet" in page.content.decode()


def test_an_unknown_agency_is_404():
    assert Client().get(reverse("privacy_notice", args=["nobody-here"])).status_code == 404


def test_the_booking_form_links_to_the_notice(agency, owner, make_member):
    host = make_member(agency)
    review = offer(owner, host, "notice-review")
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    page = Client().get(
        reverse("book_offer", args=[agency.slug, review.slug]),
        {"start": start.isoformat(), "host": str(host.pk), "tz": "UTC"},
    )
    assert page.context["form"] is not None  # the form with the consent box
    assert reverse("privacy_notice", args=[agency.slug]) in page.content.decode()


def test_the_pages_are_reachable_from_the_menus(agency, admin_member, acme, login):
    client = login(admin_member)
    dashboard = client.get(reverse("dashboard", args=[agency.slug])).content.decode()
    assert reverse("privacy_account") in dashboard  # the account menu: "Your data"
    assert reverse("privacy_settings", args=[agency.slug]) in dashboard
    client_page = client.get(reverse("client_detail", args=[agency.slug, acme.pk]))
    assert reverse("client_privacy", args=[agency.slug, acme.pk]) in client_page.content.decode()
