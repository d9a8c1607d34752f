"""What operators change through the admin is in the audit trail, in the same transaction,
with the fields changed (old and new) and the agency of the row; bad input changes nothing;
read-only models refuse writes."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from apps.audit.models import AuditEvent, Verb
from apps.audit.services import audit_record
from apps.bookings.models import Booking
from tests.admin.conftest import session_signed_in
from tests.factories import BookingFactory, ClientFactory, ScanFactory, UserFactory

pytestmark = pytest.mark.django_db

WRITES = [Verb.ADMIN_ADDED, Verb.ADMIN_CHANGED, Verb.ADMIN_DELETED]


def _change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def _events(verb):
    return list(AuditEvent.objects.filter(verb=verb))


def test_fixing_a_booking_status_is_audited_with_the_agency(agency, operator, operator_client):
    booking = BookingFactory(agency=agency)

    response = operator_client.post(_change_url(booking), {"status": "no_show"})

    assert response.status_code == 302, response.content.decode()[:3000]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    (event,) = _events(Verb.ADMIN_CHANGED)
    assert event.actor == operator
    assert event.agency == agency
    assert (event.target_type, event.target_id) == ("bookings.booking", str(booking.pk))
    assert event.changes == {"status": ["confirmed", "no_show"]}


def test_the_audit_row_shares_the_changes_transaction(agency, operator_client):
    """If the audit row cannot be written, the change is not made either."""
    booking = BookingFactory(agency=agency)

    with (
        mock.patch("apps.accounts.admin_site.audit_record", side_effect=RuntimeError("down")),
        pytest.raises(RuntimeError),
    ):
        operator_client.post(_change_url(booking), {"status": "cancelled"})

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_deactivating_a_user_is_audited(operator, operator_client):
    person = UserFactory()

    response = operator_client.post(
        _change_url(person), {"is_active": "", "is_staff": "", "is_superuser": ""}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert not person.is_active
    (event,) = _events(Verb.ADMIN_CHANGED)
    assert event.agency is None
    assert event.changes == {"is_active": [True, False]}


def test_staff_who_are_not_superusers_cannot_grant_staff(make_operator):
    helper = make_operator(is_superuser=False)
    helper.user_permissions.add(*_permissions("change_user", "view_user"))
    person = UserFactory()

    response = session_signed_in(helper, "password", "mfa").post(
        _change_url(person), {"is_active": "on", "is_staff": "on", "is_superuser": "on"}
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.is_active, person.is_staff, person.is_superuser) == (True, False, False)
    assert not _events(Verb.ADMIN_CHANGED)


def _permissions(*codenames):
    return Permission.objects.filter(codename__in=codenames)


def test_groups_are_added_and_deleted_with_an_audit_row(operator_client):
    response = operator_client.post(reverse("admin:auth_group_add"), {"name": "Support"})
    assert response.status_code == 302, response.content.decode()[:3000]
    group = Group.objects.get(name="Support")

    response = operator_client.post(
        reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Group.objects.filter(name="Support").exists()
    (added,) = _events(Verb.ADMIN_ADDED)
    assert added.changes == {"name": [None, "Support"]}
    (deleted,) = _events(Verb.ADMIN_DELETED)
    assert (deleted.target_type, deleted.target_repr) == ("auth.group", "Support")


def test_a_lost_authenticator_is_removed_with_an_audit_row(make_operator, operator_client):
    person = make_operator(is_staff=False, is_superuser=False)
    (authenticator,) = Authenticator.objects.filter(user=person)

    response = operator_client.post(
        reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=person).exists()
    (deleted,) = _events(Verb.ADMIN_DELETED)
    assert (deleted.target_type, deleted.target_id) == ("mfa.authenticator", str(authenticator.pk))


def test_a_bad_status_is_a_form_error_and_changes_nothing(agency, operator_client):
    booking = BookingFactory(agency=agency)

    response = operator_client.post(_change_url(booking), {"status": "bogus"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not _events(Verb.ADMIN_CHANGED)


def test_confirming_a_booking_over_another_is_a_form_error(agency, operator_client):
    """The database's no-double-booking rule holds in the admin too, as a clear error."""
    taken = BookingFactory(agency=agency)
    cancelled = BookingFactory(
        agency=agency,
        host=taken.host,
        consultation_type=taken.consultation_type,
        start=taken.start + timedelta(minutes=15),
        status=Booking.Status.CANCELLED,
    )

    response = operator_client.post(_change_url(cancelled), {"status": "confirmed"})

    assert response.status_code == 200
    assert "already booked" in response.content.decode()
    cancelled.refresh_from_db()
    assert cancelled.status == Booking.Status.CANCELLED
    assert not _events(Verb.ADMIN_CHANGED)


@pytest.mark.parametrize("make", [ClientFactory, ScanFactory], ids=["client", "scan"])
def test_read_only_models_refuse_changes_and_deletes(agency, operator_client, make):
    row = make(agency=agency)
    meta = row._meta
    before = {f.name: getattr(row, f.attname) for f in meta.concrete_fields}

    changed = operator_client.post(_change_url(row), {"name": "Renamed", "status": "failed"})
    deleted = operator_client.post(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[row.pk]), {"post": "yes"}
    )

    assert (changed.status_code, deleted.status_code) == (403, 403)
    row.refresh_from_db()
    assert {f.name: getattr(row, f.attname) for f in meta.concrete_fields} == before
    assert not AuditEvent.objects.filter(verb__in=WRITES).exists()


def test_audit_events_cannot_be_changed(agency, operator_client):
    event = audit_record(verb=Verb.CLIENT_CREATED, agency=agency)

    response = operator_client.post(_change_url(event), {"verb": Verb.ADMIN_LOGIN})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.verb == Verb.CLIENT_CREATED


def test_an_objects_history_is_its_audit_trail(agency, operator_client):
    booking = BookingFactory(agency=agency)

    response = operator_client.get(_change_url(booking).replace("/change/", "/history/"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:audit_auditevent_changelist')}?q={booking.pk}"
