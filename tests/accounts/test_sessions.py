"""The session list (allauth.usersessions) and signing out everywhere else (issue 10, item 7):
a person sees where they are signed in and ends every other session in one step, which the
audit trail records."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.urls import reverse

from apps.audit.models import AuditEvent, Verb
from tests.factories import UserFactory
from tests.support.mfa import sign_in

pytestmark = pytest.mark.django_db

SESSIONS_URL = reverse("usersessions_list")


def _signed_in(client) -> bool:
    return client.get(reverse("profile")).status_code == 200


def test_the_list_shows_every_session_with_its_browser_and_address():
    user = UserFactory(time_zone="Europe/Lisbon")
    laptop = sign_in(user, HTTP_USER_AGENT="Laptop Firefox")
    sign_in(user, HTTP_USER_AGENT="Phone Safari")
    page = laptop.get(SESSIONS_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Laptop Firefox" in html
    assert "Phone Safari" in html
    assert "127.0.0.1" in html
    assert "This browser" in html
    assert "Europe/Lisbon" in html
    assert "Sign out other sessions" in html


def test_signing_out_everywhere_else_ends_the_others_and_is_audited():
    user = UserFactory()
    laptop = sign_in(user, HTTP_USER_AGENT="Laptop")
    phone = sign_in(user, HTTP_USER_AGENT="Phone")
    tablet = sign_in(user, HTTP_USER_AGENT="Tablet")
    stranger = sign_in(UserFactory(), HTTP_USER_AGENT="Someone else")
    response = laptop.post(SESSIONS_URL)
    assert response.status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    assert not _signed_in(tablet)
    assert _signed_in(stranger)
    assert UserSession.objects.filter(user=user).count() == 1
    event = AuditEvent.objects.get(verb=Verb.SESSIONS_ENDED)
    assert event.actor_id == user.pk
    assert event.agency_id is None
    assert event.changes == {"sessions_ended": 2}
    # The person sees it in their own sign-in activity.
    activity = laptop.get(reverse("account_security")).content.decode()
    assert "Signed out of other sessions" in activity


def test_with_no_other_session_nothing_is_ended_or_recorded():
    user = UserFactory()
    only = sign_in(user)
    only.post(SESSIONS_URL)
    assert not AuditEvent.objects.filter(verb=Verb.SESSIONS_ENDED).exists()
    assert UserSession.objects.filter(user=user).count() == 1


def test_anonymous_visitors_are_sent_to_sign_in_and_end_nothing(client):
    user = UserFactory()
    other = sign_in(user)
    response = client.post(SESSIONS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _signed_in(other)
    assert not AuditEvent.objects.filter(verb=Verb.SESSIONS_ENDED).exists()


def test_the_account_pages_link_to_the_session_list():
    client = sign_in(UserFactory())
    assert SESSIONS_URL in client.get(reverse("account_security")).content.decode()
    assert SESSIONS_URL in client.get(reverse("profile")).content.decode()
