"""Two-factor enrolment and removal and email changes reach the audit trail through allauth's
adapter (issue 10, item 7), so the person and the operators can see them."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse

from apps.audit.models import AuditEvent, Verb
from tests.factories import UserFactory
from tests.support.mfa import enrol, reauthenticate, sign_in, totp_code

pytestmark = pytest.mark.django_db


ACTIVATE_URL = reverse("mfa_activate_totp")


def _on_the_activation_page(user):
    """Signed in, password entered again, the QR code shown: the client and its secret."""
    client = sign_in(user)
    reauthenticate(client)
    client.get(ACTIVATE_URL)
    return client, client.session[SECRET_SESSION_KEY]


def test_turning_two_factor_on_is_audited(django_capture_on_commit_callbacks):
    user = UserFactory()
    client, secret = _on_the_activation_page(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE_URL, {"code": totp_code(secret)})
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb=Verb.MFA_ENROLLED)
    assert event.actor_id == user.pk
    assert event.agency_id is None
    assert event.changes == {"method": "totp"}
    page = client.get(reverse("account_security")).content.decode()
    assert "Two-factor authentication turned on" in page


def test_a_wrong_code_enrols_nothing_and_records_nothing(django_capture_on_commit_callbacks):
    user = UserFactory()
    client, _ = _on_the_activation_page(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE_URL, {"code": "000000x"})
    assert response.status_code == 200
    assert not user.authenticator_set.exists()
    assert not AuditEvent.objects.filter(verb=Verb.MFA_ENROLLED).exists()


def test_turning_two_factor_off_is_audited():
    user = UserFactory()
    secret = enrol(user)
    client = sign_in(user, secret=secret)
    reauthenticate(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not user.authenticator_set.filter(type="totp").exists()
    event = AuditEvent.objects.get(verb=Verb.MFA_REMOVED)
    assert event.actor_id == user.pk
    assert event.changes == {"method": "totp"}


def test_changing_the_primary_email_is_audited_with_both_addresses():
    user = UserFactory(email="old@example.test")
    EmailAddress.objects.create(user=user, email="new@example.test", verified=True)
    client = sign_in(user)
    reauthenticate(client)
    response = client.post(
        reverse("account_email"), {"action_primary": "", "email": "new@example.test"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.test"
    event = AuditEvent.objects.get(verb=Verb.EMAIL_CHANGED)
    assert event.actor_id == user.pk
    assert event.changes == {"email": ["old@example.test", "new@example.test"]}


def test_an_unverified_address_cannot_become_primary_and_nothing_is_recorded():
    user = UserFactory(email="old@example.test")
    EmailAddress.objects.create(user=user, email="unverified@example.test", verified=False)
    client = sign_in(user)
    reauthenticate(client)
    client.post(
        reverse("account_email"), {"action_primary": "", "email": "unverified@example.test"}
    )
    user.refresh_from_db()
    assert user.email == "old@example.test"
    assert not AuditEvent.objects.filter(verb=Verb.EMAIL_CHANGED).exists()
