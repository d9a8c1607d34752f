"""Members: role changes, removal and leaving, and the rule that an agency always keeps an
owner. Every refusal leaves the membership as it was."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from apps.agencies import services
from apps.agencies.models import ApiToken, Membership
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from apps.core.errors import ApplicationError
from apps.core.tenancy import tenant_context
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _set_role(client, agency, member, role, **extra):
    return client.post(
        reverse("member_role", args=[agency.slug, member.pk]), {"role": role}, **extra
    )


def test_admin_changes_an_engineers_role_and_it_is_audited(admin_member, engineer, login, agency):
    response = _set_role(login(admin_member), agency, engineer, Role.ADMIN)
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.role == Role.ADMIN
    event = AuditEvent.objects.get(verb=Verb.MEMBER_ROLE_CHANGED)
    assert event.actor == admin_member.user
    assert event.changes == {"role": ["engineer", "admin"]}
    assert event.agency == agency


def test_inline_role_change_with_htmx_returns_the_row(admin_member, engineer, login, agency):
    response = _set_role(login(admin_member), agency, engineer, Role.CLIENT, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="member-{engineer.pk}"')
    assert "Saved" in body
    engineer.refresh_from_db()
    assert engineer.role == Role.CLIENT


def test_unknown_role_is_refused_inline(admin_member, engineer, login, agency):
    response = _set_role(login(admin_member), agency, engineer, "superuser", HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    engineer.refresh_from_db()
    assert engineer.role == Role.ENGINEER


def test_admin_cannot_touch_an_owner(admin_member, owner, login, agency):
    client = login(admin_member)
    _set_role(client, agency, owner, Role.ENGINEER)
    client.post(reverse("member_remove", args=[agency.slug, owner.pk]))
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert not AuditEvent.objects.filter(verb__startswith="member.").exists()


def test_admin_cannot_promote_to_owner(admin_member, engineer, login, agency):
    _set_role(login(admin_member), agency, engineer, Role.OWNER)
    engineer.refresh_from_db()
    assert engineer.role == Role.ENGINEER


def test_owner_can_hand_over_and_step_down(owner, admin_member, login, agency):
    client = login(owner)
    _set_role(client, agency, admin_member, Role.OWNER)
    services.membership_change_role(actor=owner, membership=owner, role=Role.ADMIN)
    roles = dict(Membership.objects.filter(agency=agency).values_list("pk", "role"))
    assert roles == {owner.pk: Role.ADMIN, admin_member.pk: Role.OWNER}


def test_the_last_owner_can_neither_step_down_nor_leave(owner, agency):
    with pytest.raises(ApplicationError, match="at least one owner"):
        services.membership_change_role(actor=owner, membership=owner, role=Role.ADMIN)
    with pytest.raises(ApplicationError, match="at least one owner"):
        services.membership_remove(actor=owner, membership=owner)
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_removal_asks_first_and_says_what_is_lost(owner, engineer, login, agency):
    services.api_token_create(actor=engineer, name="ci", expires_in_days=30)
    client = login(owner)
    page = client.get(reverse("member_remove", args=[agency.slug, engineer.pk]))
    body = page.content.decode()
    assert "lose access" in body
    assert "1 API token" in body
    assert Membership.objects.filter(pk=engineer.pk).exists()
    response = client.post(reverse("member_remove", args=[agency.slug, engineer.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=engineer.pk).exists()
    assert not ApiToken.objects.filter(membership_id=engineer.pk).exists()
    assert AuditEvent.objects.filter(verb=Verb.MEMBER_REMOVED, agency=agency).exists()


def test_a_member_can_leave_but_not_remove_others(engineer, client_member, login, agency):
    client = login(engineer)
    refused = client.post(reverse("member_remove", args=[agency.slug, client_member.pk]))
    assert refused.status_code == 403
    assert Membership.objects.filter(pk=client_member.pk).exists()
    left = client.post(reverse("member_remove", args=[agency.slug, engineer.pk]))
    assert left.status_code == 302
    assert not Membership.objects.filter(pk=engineer.pk).exists()
    assert client.get(reverse("dashboard", args=[agency.slug])).status_code == 404


def test_engineers_see_the_team_but_cannot_change_it(engineer, admin_member, login, agency):
    client = login(engineer)
    page = client.get(reverse("members", args=[agency.slug]))
    assert page.status_code == 200
    assert admin_member.user.email in page.content.decode()
    assert "<select" not in page.content.decode().split("<table", 1)[1]
    assert _set_role(client, agency, admin_member, Role.ENGINEER).status_code == 403
    admin_member.refresh_from_db()
    assert admin_member.role == Role.ADMIN


def test_member_list_filters_by_role_and_search(owner, make_member, login, agency):
    make_member(agency, Role.ENGINEER, email="zed@example.test", name="Zed")
    make_member(agency, Role.CLIENT, email="cli@example.test", name="Clive")
    client = login(owner)
    body = client.get(reverse("members", args=[agency.slug]), {"role": "client"}).content.decode()
    assert "cli@example.test" in body
    assert "zed@example.test" not in body
    body = client.get(reverse("members", args=[agency.slug]), {"q": "zed"}).content.decode()
    assert "zed@example.test" in body
    assert "cli@example.test" not in body
    # Unknown filter values are ignored rather than erroring.
    assert (
        client.get(reverse("members", args=[agency.slug]), {"role": "x" * 500}).status_code == 200
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    """Each demotion alone is allowed; run together, the row locks serialise them and the
    second finds either that its actor is no longer an owner or that it would remove the
    last owner. Either way exactly one succeeds."""
    agency = AgencyFactory()
    first = MembershipFactory(agency=agency, role=Role.OWNER)
    second = MembershipFactory(agency=agency, role=Role.OWNER)
    barrier = threading.Barrier(2)
    errors = []

    def demote(actor, target):
        try:
            barrier.wait()
            # Each thread is a request of its own: it works in the agency's scope.
            with tenant_context(agency):
                services.membership_change_role(actor=actor, membership=target, role=Role.ADMIN)
        except ApplicationError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 1
    assert errors[0] in {"last_owner", "permission_denied"}
    assert Membership.objects.filter(agency=agency, role=Role.OWNER).count() == 1


def test_services_refuse_another_agencys_invitation_and_token_and_change_nothing(owner):
    """The views fetch through the access helpers; the services hold the same wall on their
    own, so a caller that hands them another agency's row changes nothing there."""
    theirs = MembershipFactory(role=Role.OWNER)
    invitation, _raw = services.invitation_create(
        actor=theirs, email="hire@example.test", role=Role.ENGINEER
    )
    token, _raw = services.api_token_create(actor=theirs, name="ci", expires_in_days=30)
    before = (invitation.token_hash, invitation.expires_at)
    for call in (
        lambda: services.invitation_revoke(actor=owner, invitation=invitation),
        lambda: services.invitation_resend(actor=owner, invitation=invitation),
        lambda: services.api_token_revoke(actor=owner, token=token),
    ):
        with pytest.raises(ApplicationError) as excinfo:
            call()
        assert excinfo.value.status == 404
    invitation.refresh_from_db()
    token.refresh_from_db()
    assert invitation.revoked_at is None
    assert (invitation.token_hash, invitation.expires_at) == before
    assert token.revoked_at is None
    assert not AuditEvent.objects.filter(
        verb__in=[Verb.INVITATION_REVOKED, Verb.INVITATION_RESENT, Verb.API_TOKEN_REVOKED]
    ).exists()
