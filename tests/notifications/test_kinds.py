"""The notices the product's work writes: @mentions reach members of the engagement only; a
failed scan and a rescan with new gaps reach the assigned engineers at once, by email and in
the app; an invitation nobody answered is reminded once, after three days, and its inviter is
told when it expires."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from apps.agencies import services as agency_services
from apps.checklists import services as checklist_services
from apps.checklists.models import ProjectItem
from apps.notifications.models import Delivery, Notification
from apps.scans import services as scan_services
from apps.scans.models import Scan
from tests.notifications.conftest import sent_to

pytestmark = pytest.mark.django_db


def test_a_mention_reaches_a_member_of_the_engagement_and_nobody_else(
    assigned, owner, agency, make_member, portal, committing
):
    outsider = make_member(agency, "engineer", email="olly@agency.test")  # not on the engagement
    item = ProjectItem.objects.filter(project=portal).first()
    handle = assigned.user.email.split("@")[0]
    mail.outbox.clear()
    committing(
        checklist_services.comment_add, actor=owner, item=item,
        body=f"@{handle} can you look? cc @olly and @{owner.user.email} and @nobody",
    )  # fmt: skip
    assert sent_to("checklist.mention") == [assigned.user.email]
    notice = Notification.objects.get(kind="checklist.mention")
    assert notice.user == assigned.user
    assert item.title in notice.title
    assert not Notification.objects.filter(user__in=[outsider.user, owner.user]).exists()


def _scan(project, **fields):
    return Scan.objects.create(
        agency=project.agency, project=project, repository_url="https://github.com/acme/app.git",
        status=Scan.Status.RUNNING, run_token="t" * 24, **fields,
    )  # fmt: skip


def test_a_failed_scan_tells_the_assigned_engineers_at_once(assigned, portal, committing):
    scan = _scan(portal)
    mail.outbox.clear()
    committing(
        scan_services.scan_fail, scan_id=scan.pk, run_token=scan.run_token, code="clone_failed",
        reason="The repository could not be cloned.",
    )  # fmt: skip
    assert sent_to("scan.failed") == [assigned.user.email]
    assert "could not be cloned" in mail.outbox[-1].body
    assert Notification.objects.get(kind="scan.failed").user == assigned.user


def test_an_invitation_not_answered_is_reminded_once_and_its_inviter_told_when_it_expires(
    owner, committing, dispatch
):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        invitation, raw = committing(
            agency_services.invitation_create, actor=owner, email="new@x.test", role="engineer"
        )
    mail.outbox.clear()
    with time_machine.travel(now + timedelta(days=3), tick=False):
        dispatch()
        dispatch()
    assert sent_to("invitation.reminder") == ["new@x.test"]
    assert raw in mail.outbox[-1].body  # the same link, still working
    with time_machine.travel(invitation.expires_at + timedelta(minutes=1), tick=False):
        dispatch()
    assert sent_to("invitation.expired") == [owner.user.email]
    assert Notification.objects.get(kind="invitation.expired").user == owner.user


def test_an_accepted_invitation_gets_no_reminder(owner, committing, dispatch):
    from tests.factories import UserFactory

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        invitation, _ = committing(
            agency_services.invitation_create, actor=owner, email="new@x.test", role="engineer"
        )
        user = UserFactory(email="new@x.test")
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        agency_services.invitation_accept(user=user, invitation=invitation)
    mail.outbox.clear()
    with time_machine.travel(now + timedelta(days=8), tick=False):
        dispatch()
    assert sent_to("invitation.reminder") == []
    assert sent_to("invitation.expired") == []
    follow_ups = Delivery.objects.filter(kind__in=["invitation.reminder", "invitation.expired"])
    assert set(follow_ups.values_list("status", flat=True)) == {"dropped"}


def test_a_rescan_with_new_gaps_tells_the_assigned_engineers_and_one_without_does_not(
    assigned, portal, committing
):
    from apps.scans import notify
    from tests.factories import ScanFactory, ScanFindingFactory

    before = ScanFactory(agency=portal.agency, project=portal)
    ScanFindingFactory(agency=portal.agency, scan=before, key="same")
    unchanged = ScanFactory(agency=portal.agency, project=portal, previous=before)
    ScanFindingFactory(agency=portal.agency, scan=unchanged, key="same")
    mail.outbox.clear()
    committing(notify.scan_finished, unchanged)
    assert sent_to("scan.new_gaps") == []
    worse = ScanFactory(agency=portal.agency, project=portal, previous=before)
    ScanFindingFactory(agency=portal.agency, scan=worse, key="same")
    ScanFindingFactory(agency=portal.agency, scan=worse, key="a-new-leak")
    committing(notify.scan_finished, worse)
    assert sent_to("scan.new_gaps") == [assigned.user.email]
    assert "1 new finding" in mail.outbox[-1].subject
