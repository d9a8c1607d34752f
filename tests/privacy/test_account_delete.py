"""A person deletes their account: the login goes, what the agencies must keep is kept
without them, and a search of every text column of every table finds nothing of theirs."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.agencies import services as agency_services
from apps.agencies.models import Membership
from apps.audit.models import AuditEvent, Verb
from apps.bookings.models import Booking
from apps.checklists.models import Comment
from apps.core.errors import ApplicationError
from apps.privacy.services import DELETED_NAME, account_delete
from tests.factories import PASSWORD
from tests.privacy.conftest import book
from tests.privacy.search import find_everywhere, snapshot

pytestmark = pytest.mark.django_db


def test_after_deletion_no_text_column_of_any_table_holds_the_persons_data(world):
    # The search finds what it looks for before, so its silence after means something.
    assert {
        "accounts_user.name: Ada Lovelace",
        "accounts_user.email: ada.lovelace@example.test",
        "bookings_booking.notes: Ada's booking notes",
        "clients_clientcontact.phone: +44 20 7946 0101",
    } <= set(find_everywhere(world.ada_needles))
    account_delete(user=world.ada, password=PASSWORD)
    assert find_everywhere(world.ada_needles) == []
    # Bob's data is his, untouched.
    assert {hit.split(": ", 1)[1] for hit in find_everywhere(world.bob_needles)} == set(
        world.bob_needles
    )


def test_the_login_is_gone(world):
    account_delete(user=world.ada, password=PASSWORD)
    ada = User.objects.get(pk=world.ada.pk)
    assert ada.name == DELETED_NAME
    assert ada.email.endswith(".invalid")
    assert not ada.is_active
    assert not ada.has_usable_password()
    assert ada.emailaddress_set.count() == 0
    assert authenticate(email="ada.lovelace@example.test", password=PASSWORD) is None
    assert not Membership.objects.filter(user=ada).exists()


def test_what_the_agencies_must_keep_stays_without_the_person(world):
    account_delete(user=world.ada, password=PASSWORD)
    comment = Comment.objects.get(body="Ada checked the mill")
    assert comment.author.display_name == DELETED_NAME
    booking = Booking.objects.get(idempotency_key="privacy-ada-books")
    assert (booking.booker_name, booking.notes, booking.booker_company) == (DELETED_NAME, "", "")
    assert booking.booker_email.endswith(".invalid")
    hosted = Booking.objects.get(idempotency_key="privacy-bob-books")
    assert hosted.host is None
    assert hosted.booker_name == "Bob Babbage"
    # The trail keeps what happened, under the placeholder.
    assert AuditEvent.objects.filter(actor=world.ada, verb=Verb.LOGIN).exists()
    assert AuditEvent.objects.filter(verb=Verb.ACCOUNT_DELETED, agency__isnull=True).count() == 1
    assert set(
        AuditEvent.objects.filter(verb=Verb.ACCOUNT_DELETED, agency__isnull=False).values_list(
            "agency_id", flat=True
        )
    ) == {world.north.pk, world.south.pk}


def test_the_trail_forgets_where_the_person_signed_in_from_and_agencies_keep_theirs(world):
    AuditEvent.objects.filter(actor=world.ada).update(ip_address="203.0.113.9")
    account_delete(user=world.ada, password=PASSWORD)
    own = AuditEvent.objects.filter(actor=world.ada, agency__isnull=True)
    assert own.filter(verb=Verb.LOGIN).exists()
    assert not own.exclude(ip_address=None).exists()
    assert AuditEvent.objects.filter(
        actor=world.ada, agency=world.north, ip_address="203.0.113.9"
    ).exists()


def test_a_wrong_password_changes_nothing(world):
    before = snapshot()
    with pytest.raises(ValidationError, match="not your password"):
        account_delete(user=world.ada, password="not-the-password")
    assert snapshot() == before


def test_the_last_owner_of_an_agency_is_refused_with_a_clear_message(world):
    agency_services.membership_change_role(
        actor=world.ada_north, membership=world.bob_north, role="admin"
    )
    before = snapshot()
    with pytest.raises(ApplicationError, match="only owner of North Works") as refusal:
        account_delete(user=world.ada, password=PASSWORD)
    assert refusal.value.code == "last_owner"
    assert snapshot() == before


def test_a_host_of_upcoming_consultations_is_refused_and_nothing_changes(world):
    book(
        world.north_offer, host=world.ada_north, name="Someone", email="someone@x.test", tag="next"
    )
    before = snapshot()
    with pytest.raises(ApplicationError, match="upcoming consultation"):
        account_delete(user=world.ada, password=PASSWORD)
    assert snapshot() == before


# --- The pages ----------------------------------------------------------------------------------


def test_deleting_from_the_page_signs_out_and_says_so(world, login):
    client = login(world.ada)
    page = client.get(reverse("privacy_account_delete"))
    assert page.status_code == 200
    response = client.post(reverse("privacy_account_delete"), {"password": PASSWORD})
    assert response.status_code == 200
    assert "Your account is deleted" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert find_everywhere(world.ada_needles) == []
    # The old session is gone: the next request is anonymous.
    assert client.get(reverse("profile")).status_code == 302


def test_the_page_refuses_a_wrong_password_beside_the_field(world, login):
    client = login(world.ada)
    before = snapshot()
    response = client.post(reverse("privacy_account_delete"), {"password": "wrong-one-here"})
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert snapshot() == before
    assert client.get(reverse("profile")).status_code == 200


def test_guessing_the_password_on_the_page_is_limited_like_signing_in(world, login):
    client = login(world.ada)
    url = reverse("privacy_account_delete")
    before = snapshot()
    for _ in range(10):
        assert (
            "That is not your password." in client.post(url, {"password": "guess"}).content.decode()
        )
    refused = client.post(url, {"password": PASSWORD})
    assert "Too many attempts" in refused.content.decode()
    assert snapshot() == before


def test_the_page_shows_the_last_owner_refusal(world, login):
    agency_services.membership_change_role(
        actor=world.ada_north, membership=world.bob_north, role="admin"
    )
    client = login(world.ada)
    assert "only owner of North Works" in client.get(reverse("privacy_account")).content.decode()
    before = snapshot()
    response = client.post(reverse("privacy_account_delete"), {"password": PASSWORD})
    assert response.status_code == 200
    assert "only owner of North Works" in response.content.decode()
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = Client().post(reverse("privacy_account_delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert User.objects.get(pk=world.ada.pk).is_active


def test_a_deleted_account_cannot_sign_in_again(world):
    account_delete(user=world.ada, password=PASSWORD)
    response = Client().post(
        reverse("account_login"), {"login": "ada.lovelace@example.test", "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, no session
    assert "_auth_user_id" not in response.wsgi_request.session
