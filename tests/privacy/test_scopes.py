"""The privacy work that spans agencies opens its own cross-agency scope: called from outside
any tenant scope (as beat calls the purge, or a shell a service), on PostgreSQL row-level
security would otherwise show it no agency's rows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agencies import services as agency_services
from apps.agencies.models import Membership
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from apps.audit.services import audit_record
from apps.clients import services as client_services
from apps.clients.models import ClientContact
from apps.core.tenancy import cross_agency
from apps.privacy.services import account_delete, personal_data_export
from apps.privacy.tasks import purge_expired_records
from tests.factories import PASSWORD, AgencyFactory, UserFactory
from tests.privacy.search import archive_text

pytestmark = [pytest.mark.rls, pytest.mark.django_db]


def test_the_purge_reaches_every_agency_from_outside_any_scope(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with cross_agency("test data"):
        agencies = [AgencyFactory(), AgencyFactory()]
        for agency in agencies:
            old = audit_record(verb=Verb.LOGIN, agency=agency)
            AuditEvent.objects.filter(pk=old.pk).update(
                created_at=timezone.now() - timedelta(days=31)
            )

    results = purge_expired_records()

    assert [results[str(a.pk)]["audit_events"] for a in agencies] == [1, 1]
    with cross_agency("test check"):
        assert AuditEvent.objects.filter(verb=Verb.RETENTION_PURGED).count() == 2


def test_export_and_deletion_reach_every_agency_from_outside_any_scope():
    with cross_agency("test data"):
        person = UserFactory(email="grace@example.test", name="Grace Hopper")
        first = agency_services.agency_create(user=person, name="First", slug="first-agency")
        second = AgencyFactory(name="Second")
        owner = Membership.objects.create(agency=second, user=UserFactory(), role=Role.OWNER)
        Membership.objects.create(agency=second, user=person, role=Role.ENGINEER)
        navy = client_services.client_create(actor=owner, name="Navy")
        client_services.contact_create(
            actor=owner, client=navy, name="Grace Hopper", email="grace@example.test"
        )
        # The first agency needs another owner before Grace may go.
        Membership.objects.create(agency=first, user=UserFactory(), role=Role.OWNER)

    files = archive_text(personal_data_export(user=person))
    memberships = json.loads(files["memberships.json"])
    assert {m["agency__name"] for m in memberships} == {"First", "Second"}
    assert len(json.loads(files["client_contacts.json"])) == 1

    account_delete(user=person, password=PASSWORD)

    with cross_agency("test check"):
        assert not Membership.objects.filter(user=person).exists()
        assert not ClientContact.objects.filter(email="grace@example.test").exists()
