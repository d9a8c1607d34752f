"""Invitations: sent by email, accepted once by the invited address, and every way a link
can stop working, each of which changes nothing."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.agencies import services
from apps.agencies.models import Invitation, Membership
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from apps.notifications.dispatch import deliver
from apps.notifications.models import Delivery
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _link_from_outbox() -> str:
    body = mail.outbox[-1].body
    return re.search(r"http://testserver(/invitations/[^/\s]+/)", body).group(1)


@pytest.fixture
def invite(committing):
    """Post the invitation form; the email goes out after commit, as in production."""

    def post(client, agency, email="new@example.test", role=Role.ENGINEER):
        url = reverse("invitations", args=[agency.slug])
        return committing(client.post, url, {"email": email, "role": role})

    return post


def test_admin_invites_and_the_email_carries_a_one_time_link(invite, admin_member, login, agency):
    with_commit = invite(login(admin_member), agency, "New@Example.test")
    assert with_commit.status_code == 302
    invitation = Invitation.objects.get(agency=agency)
    assert invitation.email == "new@example.test"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.test"]
    assert agency.name in message.subject
    link = _link_from_outbox()
    raw = link.split("/")[2]
    assert raw not in invitation.token_hash  # only the hash is stored
    assert len(invitation.token_hash) == 64
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert invitation.send_count == 1
    assert AuditEvent.objects.filter(verb=Verb.INVITATION_CREATED, agency=agency).exists()


def test_a_client_contact_without_a_client_cannot_be_invited(
    invite, admin_member, owner, login, agency
):
    """Invited from the team page, a client contact was linked to no client: they saw no
    engagement and nothing could fix it. The team page no longer offers the role, and the
    service refuses it without a client, however it is asked."""
    response = invite(login(admin_member), agency, "contact@acme.test", Role.CLIENT)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(actor=owner, email="contact@acme.test", role=Role.CLIENT)
    assert "from their company's page" in str(refused.value)
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_invited_person_signs_in_and_accepts(invite, admin_member, login, agency):
    invite(login(admin_member), agency, "new@example.test", Role.ENGINEER)
    link = _link_from_outbox()
    invitee = UserFactory(email="new@example.test")
    client = login(invitee)
    page = client.get(link)
    assert page.status_code == 200
    assert "Join " + agency.name in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[agency.slug])
    membership = Membership.objects.get(agency=agency, user=invitee)
    assert membership.role == Role.ENGINEER
    invitation = Invitation.objects.get(agency=agency)
    assert invitation.accepted_by == invitee
    verbs = set(AuditEvent.objects.filter(agency=agency).values_list("verb", flat=True))
    assert {Verb.INVITATION_ACCEPTED, Verb.MEMBER_JOINED} <= verbs


def test_a_used_link_cannot_be_used_again(invite, admin_member, login, agency):
    invite(login(admin_member), agency, "new@example.test")
    link = _link_from_outbox()
    invitee = UserFactory(email="new@example.test")
    login(invitee).post(link)
    again = login(invitee).post(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert Membership.objects.filter(agency=agency, user=invitee).count() == 1


def test_expired_link_is_refused_and_nothing_changes(invite, admin_member, login, agency):
    invite(login(admin_member), agency, "new@example.test")
    link = _link_from_outbox()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    invitee = UserFactory(email="new@example.test")
    response = login(invitee).post(link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=invitee).exists()
    assert Invitation.objects.get().accepted_at is None


def test_unknown_token_is_a_clear_404(login):
    response = login(UserFactory()).get(reverse("invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_revoked_link_is_refused(invite, admin_member, login, agency):
    client = login(admin_member)
    invite(client, agency, "new@example.test")
    link = _link_from_outbox()
    invitation = Invitation.objects.get()
    confirm = client.get(reverse("invitation_revoke", args=[agency.slug, invitation.pk]))
    assert "stop working" in confirm.content.decode()
    client.post(reverse("invitation_revoke", args=[agency.slug, invitation.pk]))
    response = login(UserFactory(email="new@example.test")).post(link)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert Membership.objects.filter(agency=agency).count() == 1


def test_wrong_account_cannot_accept_someone_elses_invitation(invite, admin_member, login, agency):
    invite(login(admin_member), agency, "new@example.test")
    link = _link_from_outbox()
    intruder = UserFactory(email="intruder@example.test")
    response = login(intruder).post(link)
    assert response.status_code == 403
    assert "This invitation is for new@example.test" in response.content.decode()
    assert not Membership.objects.filter(user=intruder).exists()
    assert Invitation.objects.get().accepted_at is None


def test_unverified_address_cannot_accept(invite, admin_member, login, agency):
    invite(login(admin_member), agency, "new@example.test")
    link = _link_from_outbox()
    invitee = UserFactory(email="new@example.test", verified=False)
    EmailAddress.objects.create(user=invitee, email=invitee.email, verified=False, primary=True)
    response = login(invitee).post(link)
    assert response.status_code == 403
    assert not Membership.objects.filter(user=invitee).exists()


def test_anonymous_visitor_is_asked_to_sign_in_first(invite, admin_member, login, agency, client):
    invite(login(admin_member), agency, "new@example.test")
    link = _link_from_outbox()
    page = client.get(link)
    assert page.status_code == 200
    assert "Sign in or create an account with" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert Invitation.objects.get().accepted_at is None


def test_resend_issues_a_new_link_and_the_old_one_stops_working(
    invite, committing, admin_member, login, agency
):
    client = login(admin_member)
    invite(client, agency, "new@example.test")
    old_link = _link_from_outbox()
    invitation = Invitation.objects.get()
    committing(client.post, reverse("invitation_resend", args=[agency.slug, invitation.pk]))
    assert len(mail.outbox) == 2
    new_link = _link_from_outbox()
    assert new_link != old_link
    invitee = login(UserFactory(email="new@example.test"))
    assert invitee.get(old_link).status_code == 404
    assert invitee.post(new_link).status_code == 302
    invitation.refresh_from_db()
    assert invitation.send_count == 2


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", "Enter a valid email address"),
        ("a" * 250 + "@x.test", "at most 254 characters"),
        ("", "This field is required"),
    ],
)
def test_bad_invitation_input_is_refused(invite, admin_member, login, agency, email, message):
    response = invite(login(admin_member), agency, email)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_duplicate_open_invitation_and_existing_member_are_refused(
    invite, admin_member, engineer, login, agency
):
    client = login(admin_member)
    invite(client, agency, "dup@example.test")
    response = invite(client, agency, "dup@example.test")
    assert "already open; resend it instead" in response.content.decode()
    response = invite(client, agency, engineer.user.email)
    assert "already a member" in response.content.decode()
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_expired_invitation_does_not_block_a_new_one(invite, admin_member, login, agency):
    client = login(admin_member)
    invite(client, agency, "late@example.test")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    response = invite(client, agency, "late@example.test")
    assert response.status_code == 302
    assert Invitation.objects.filter(email="late@example.test").count() == 2
    assert Invitation.objects.pending().count() == 1


def test_admin_cannot_invite_an_owner_but_an_owner_can(invite, admin_member, owner, login, agency):
    response = invite(login(admin_member), agency, "boss@example.test", Role.OWNER)
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()
    response = invite(login(owner), agency, "boss@example.test", Role.OWNER)
    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.OWNER


def test_engineer_and_client_cannot_invite(invite, engineer, client_member, login, agency):
    for member in (engineer, client_member):
        response = invite(login(member), agency, "x@example.test")
        assert response.status_code == 403
    assert not Invitation.objects.exists()


def _invitation_delivery(invitation):
    return Delivery.objects.get(kind="invitation.sent", subject_id=str(invitation.pk))


def test_the_invitation_email_is_sent_once_however_often_its_delivery_runs(
    owner, agency, committing
):
    # Sent on commit (in-process here); the same delivery handed over again sends nothing.
    invitation, raw = committing(
        services.invitation_create, actor=owner, email="x@example.test", role="admin"
    )
    assert len(mail.outbox) == 1
    assert raw in mail.outbox[0].body
    row = _invitation_delivery(invitation)
    assert row.status == Delivery.Status.SENT
    assert deliver(agency_id=str(agency.pk), delivery_id=str(row.pk)) == "nothing to do"
    Delivery.objects.filter(pk=row.pk).update(status=Delivery.Status.PENDING)  # as if lost
    assert deliver(agency_id=str(agency.pk), delivery_id=str(row.pk)) == "dropped"
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.send_count == 1


def test_a_superseded_link_is_never_mailed(owner, agency, committing):
    invitation, old_raw = services.invitation_create(
        actor=owner, email="x@example.test", role="admin"
    )  # not committed: its email still waits
    old_row = _invitation_delivery(invitation)
    committing(services.invitation_resend, actor=owner, invitation=invitation)
    old_row.refresh_from_db()
    assert old_row.status == Delivery.Status.DROPPED
    # Even handed to a worker as it was, the old link's delivery sends nothing.
    Delivery.objects.filter(pk=old_row.pk).update(status=Delivery.Status.PENDING)
    assert deliver(agency_id=str(agency.pk), delivery_id=str(old_row.pk)) == "dropped"
    assert len(mail.outbox) == 1
    assert old_raw not in mail.outbox[0].body


def test_the_invitation_email_uses_the_email_layout_and_cannot_be_switched_off(owner, committing):
    committing(services.invitation_create, actor=owner, email="x@example.test", role="admin")
    message = mail.outbox[-1]
    html = message.alternatives[0][0]
    assert "Accept the invitation" in html
    assert "<img" not in html
    assert "List-Unsubscribe" not in message.extra_headers


def test_pending_invitation_is_offered_at_onboarding(invite, admin_member, login, agency):
    invite(login(admin_member), agency, "new@example.test")
    invitee = UserFactory(email="new@example.test")
    client = login(invitee)
    page = client.get(reverse("onboarding"))
    assert f"Join {agency.name}" in page.content.decode()
    invitation = Invitation.objects.get()
    response = client.post(reverse("invitation_join", args=[invitation.pk]))
    assert response.status_code == 302
    assert Membership.objects.filter(agency=agency, user=invitee).exists()


def test_already_member_cannot_accept_twice(invite, admin_member, login, agency):
    invite(login(admin_member), agency, "twice@example.test")
    link = _link_from_outbox()
    invitee = UserFactory(email="twice@example.test")
    MembershipFactory(agency=agency, user=invitee, role=Role.ENGINEER)
    response = login(invitee).post(link)
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_the_sign_up_from_an_invitation_has_the_invited_address_filled_in(invite, owner, login):
    invite(login(owner), owner.agency, "new.person@example.test", Role.ENGINEER)
    link = _link_from_outbox()
    page = Client().get(link).content.decode()
    signup = re.search(r'href="(/accounts/signup/\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = Client().get(signup).content.decode()
    assert re.search(r'<input[^>]+name="email"[^>]+value="new.person@example.test"', form)
