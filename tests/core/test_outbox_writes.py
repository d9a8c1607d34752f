"""Every task a write queues goes through the task outbox (apps.core.outbox): while the broker
is away the write succeeds and its task waits as a PendingTask row, and the beat sweep
publishes it once when the broker is back (issue 11). The booking emails are tested in
tests/bookings/test_cache_outage.py; these are the invitation email (a notifications delivery,
like the booking emails), the checklist sync after a catalog change and the scan."""

from datetime import timedelta

import pytest
import time_machine
from celery import current_app
from django.core import mail
from django.utils import timezone

from apps.agencies import services as agency_services
from apps.agencies.models import Invitation
from apps.checklists import services as checklist_services
from apps.checklists.models import CatalogItem, ProjectItem
from apps.checklists.tasks import sync_agency_checklists
from apps.core import crypto, outbox
from apps.core.models import PendingTask
from apps.core.outbox import publish_pending_tasks
from apps.notifications.dispatch import deliver, dispatch_deliveries
from apps.notifications.models import Delivery
from apps.scans import services as scan_services
from apps.scans.models import Scan
from apps.scans.tasks import run_scan
from tests.support.broker import BrokerAway

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_grace(monkeypatch):
    # The sweep leaves a fresh row to its own request's publish for SWEEP_GRACE; the broker
    # is away here, so that publish has failed already.
    monkeypatch.setattr(outbox, "SWEEP_GRACE", timedelta(0))


def _sweep_publishes_once() -> None:
    assert publish_pending_tasks() == 1
    assert publish_pending_tasks() == 0
    assert PendingTask.objects.get().published_at is not None


def test_an_invitation_made_while_the_broker_is_away_is_mailed_once_it_returns(
    owner, committing, monkeypatch
):
    broker = BrokerAway(monkeypatch, deliver)
    mail.outbox.clear()
    invitation, raw = committing(
        agency_services.invitation_create, actor=owner, email="x@example.test", role="admin"
    )
    assert Invitation.objects.get().sent_at is None
    assert mail.outbox == []
    row = Delivery.objects.get(kind="invitation.sent")
    assert row.status == Delivery.Status.PENDING
    # The row (and the broker's message made from it) never holds the token that accepts
    # the invitation: it travels sealed with the key ring.
    assert raw not in str(row.payload)
    assert crypto.decrypt(row.payload["sealed_token"]) == raw
    assert committing(dispatch_deliveries) == 0  # still away: nothing handed, nothing lost
    broker.back()
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert committing(dispatch_deliveries) == 1  # after the refused claim's lease
        assert committing(dispatch_deliveries) == 0
    assert len(mail.outbox) == 1
    assert raw in mail.outbox[0].body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert invitation.send_count == 1


def test_an_unreadable_sealed_token_sends_nothing_and_says_so(owner, committing):
    invitation, _ = agency_services.invitation_create(
        actor=owner, email="x@example.test", role="admin"
    )  # not committed: its delivery is still waiting
    Delivery.objects.filter(kind="invitation.sent").update(payload={"sealed_token": "nope"})
    mail.outbox.clear()
    committing(dispatch_deliveries)
    assert mail.outbox == []
    row = Delivery.objects.get(kind="invitation.sent")
    assert row.status == Delivery.Status.FAILED
    assert "cannot be read" in row.last_error
    invitation.refresh_from_db()
    assert invitation.sent_at is None


def test_an_invitation_task_queued_before_the_upgrade_becomes_its_delivery(owner, agency):
    """Messages of the old `send_invitation_email` task still waiting at the upgrade are
    taken by the shim under its name: one email, not two, and not none."""
    invitation, raw = agency_services.invitation_create(
        actor=owner, email="x@example.test", role="admin"
    )
    Delivery.objects.all().delete()  # as for an invitation made before notifications existed
    kwargs = {
        "agency_id": str(agency.pk),
        "invitation_id": str(invitation.pk),
        "sealed_token": crypto.encrypt(raw),
    }
    task = current_app.tasks["apps.agencies.tasks.send_invitation_email"]
    assert task.run(**kwargs) is True
    assert task.run(**kwargs) is False  # the same message delivered twice
    assert Delivery.objects.filter(kind="invitation.sent").count() == 1


def test_a_catalog_item_added_while_the_broker_is_away_reaches_the_checklists_once_it_returns(
    owner, agency, portal, committing, monkeypatch
):
    broker = BrokerAway(monkeypatch, sync_agency_checklists)
    item = committing(
        checklist_services.catalog_item_create,
        actor=owner, key="security.partner-pen-test", category="security",
        title="Pen test by our partner firm", guidance="Book two weeks ahead.",
        severity="high", level="bronze",
    )  # fmt: skip
    assert CatalogItem.objects.filter(pk=item.pk).exists()
    on_checklist = ProjectItem.objects.filter(project=portal, catalog_item=item)
    assert not on_checklist.exists()
    assert PendingTask.objects.get().kwargs == {"agency_id": str(agency.pk)}
    broker.back()
    _sweep_publishes_once()
    assert on_checklist.count() == 1


def test_a_scan_requested_while_the_broker_is_away_runs_once_it_returns(
    owner, repo, scanned_project, committing, monkeypatch
):
    broker = BrokerAway(monkeypatch, run_scan)
    project = scanned_project(str(repo()))
    scan = committing(scan_services.scan_request, project=project, actor=owner)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.QUEUED
    assert PendingTask.objects.get().kwargs == {
        "agency_id": str(project.agency_id),
        "scan_id": str(scan.pk),
    }
    broker.back()
    _sweep_publishes_once()
    scan.refresh_from_db()
    assert scan.status == Scan.Status.SUCCEEDED
