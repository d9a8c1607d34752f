"""Retention: audit events, scans and sent mail (invitations) older than their period are
purged every day by a beat task, over every agency, idempotently, each agency's purge
audited with its counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from apps.agencies.models import Invitation
from apps.audit.models import AuditEvent, Verb
from apps.audit.services import audit_record
from apps.privacy.tasks import purge_expired_records
from apps.projects.services import project_create
from apps.scans.models import Scan, ScanFinding
from tests.factories import ClientFactory, InvitationFactory
from tests.privacy.search import snapshot

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(days=400)


@pytest.fixture(autouse=True)
def _periods(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    settings.SCAN_RETENTION_DAYS = 90
    settings.SENT_MAIL_RETENTION_DAYS = 30


def _aged(rows, **moments):
    """Move rows back in time (their timestamps are set by the database on insert)."""
    type(rows[0]).objects.filter(pk__in=[r.pk for r in rows]).update(**moments)


def _scan(project, *, finished, status=Scan.Status.SUCCEEDED):
    scan = Scan.objects.create(
        agency=project.agency, project=project, repository_url="https://github.com/a/b.git",
        status=status, finished_at=finished, completions=1, report={"summary": {}},
    )  # fmt: skip
    ScanFinding.objects.create(
        agency=project.agency, scan=scan, rule_id="r", rule_title="R", category="testing",
        severity="low", message="m", key=scan.pk.hex[:16],
    )  # fmt: skip
    return scan


@pytest.fixture
def old_records(agency, other_agency, owner, catalog):
    now = timezone.now()
    records = {}
    for tenant in (agency, other_agency):
        old_events = [audit_record(verb=Verb.LOGIN, agency=tenant) for _ in range(3)]
        _aged(old_events, created_at=now - LONG_AGO)
        audit_record(verb=Verb.LOGIN, agency=tenant)  # recent: stays
    account_event = audit_record(verb=Verb.LOGIN)
    _aged([account_event], created_at=now - LONG_AGO)

    project = project_create(actor=owner, client=ClientFactory(agency=agency), name="P")
    records["oldest"] = _scan(project, finished=now - LONG_AGO - timedelta(days=2))
    records["old_failed"] = _scan(project, finished=now - LONG_AGO, status=Scan.Status.FAILED)
    # The newest successful scan is old too, but the engagement page shows it: it stays.
    records["newest_success"] = _scan(project, finished=now - LONG_AGO + timedelta(days=1))
    records["recent"] = _scan(project, finished=now - timedelta(days=1), status="failed")

    accepted = InvitationFactory(agency=agency, accepted_at=now - timedelta(days=60))
    revoked = InvitationFactory(agency=agency, revoked_at=now - timedelta(days=60))
    expired = InvitationFactory(agency=agency, expires_at=now - timedelta(days=60))
    records["gone_invitations"] = [accepted, revoked, expired]
    records["open_invitation"] = InvitationFactory(agency=agency)
    records["recently_accepted"] = InvitationFactory(
        agency=agency, accepted_at=now - timedelta(days=2)
    )
    return records


def test_the_purge_deletes_what_outlived_its_period_and_keeps_the_rest(
    old_records, agency, other_agency
):
    results = purge_expired_records()

    assert results[str(agency.pk)] == {
        "audit_events": 3,
        "scans": 2,
        "scan_findings": 2,
        "invitations": 3,
        "deliveries": 0,
    }
    assert results[str(other_agency.pk)]["audit_events"] == 3
    assert results[""] == {"audit_events": 1}
    remaining = set(Scan.objects.values_list("pk", flat=True))
    assert remaining == {old_records["newest_success"].pk, old_records["recent"].pk}
    assert ScanFinding.objects.count() == 2
    assert not Invitation.objects.filter(pk__in=[i.pk for i in old_records["gone_invitations"]])
    assert (
        Invitation.objects.filter(
            pk__in=[old_records["open_invitation"].pk, old_records["recently_accepted"].pk]
        ).count()
        == 2
    )
    assert not AuditEvent.objects.filter(created_at__lt=timezone.now() - LONG_AGO / 2).exists()


def test_each_agency_purge_is_audited_with_its_counts(old_records, agency, other_agency):
    purge_expired_records()
    mine = AuditEvent.objects.get(verb=Verb.RETENTION_PURGED, agency=agency)
    assert mine.changes == {
        "audit_events": 3, "scans": 2, "scan_findings": 2, "invitations": 3, "deliveries": 0,
    }  # fmt: skip
    theirs = AuditEvent.objects.get(verb=Verb.RETENTION_PURGED, agency=other_agency)
    assert theirs.changes["audit_events"] == 3
    assert AuditEvent.objects.get(verb=Verb.RETENTION_PURGED, agency__isnull=True).changes == {
        "audit_events": 1
    }


def test_a_second_run_purges_nothing_and_records_nothing(old_records):
    purge_expired_records()
    before = snapshot()
    results = purge_expired_records()
    assert all(not any(counts.values()) for counts in results.values())
    assert snapshot() == before


def test_a_period_of_zero_keeps_that_kind_for_ever(old_records, settings):
    settings.AUDIT_RETENTION_DAYS = 0
    count = AuditEvent.objects.count()
    purge_expired_records()
    assert AuditEvent.objects.exclude(verb=Verb.RETENTION_PURGED).count() == count
    assert Scan.objects.count() == 2


@pytest.mark.parametrize("bad", [-1, "30", None, 1.5, True])
def test_a_bad_period_stops_the_purge_before_it_deletes_anything(old_records, settings, bad):
    settings.SCAN_RETENTION_DAYS = bad
    before = snapshot()
    with pytest.raises(ImproperlyConfigured, match="SCAN_RETENTION_DAYS"):
        purge_expired_records()
    assert snapshot() == before


def test_beat_runs_the_purge_every_day():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if "privacy" in e["task"]]
    assert entries == [
        {"task": "apps.privacy.tasks.purge_expired_records", "schedule": 60 * 60 * 24}
    ]


def test_deliveries_done_with_are_purged_and_waiting_ones_kept(agency, owner, settings):
    from apps.notifications.models import Delivery

    old = timezone.now() - timedelta(days=settings.SENT_MAIL_RETENTION_DAYS + 1)
    rows = {
        status: Delivery.objects.create(
            agency=agency,
            kind="digest",
            channel="email",
            user=owner.user,
            status=status,
            dedupe_key=f"old:{status}",
            due_at=old,
            sent_at=old if status == "sent" else None,
        )
        for status in ("sent", "dropped", "failed", "pending")
    }
    Delivery.objects.filter(pk__in=[r.pk for r in rows.values()]).update(created_at=old)
    assert purge_expired_records()[str(agency.pk)]["deliveries"] == 3
    assert list(Delivery.objects.values_list("status", flat=True)) == ["pending"]
