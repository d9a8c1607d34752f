"""One object of every kind an agency's routes address, for tests that walk every route."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

from django.db import transaction

from apps.agencies import services
from apps.agencies.roles import Role
from tests.factories import MembershipFactory


@contextmanager
def rolled_back():
    """Run a request (or several) and undo whatever it wrote, so the next one starts from
    the same objects."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def tenant_objects(agency, owner_membership, viewer=None) -> dict[str, str]:
    """One object of every kind the agency's routes address, keyed by URL kwarg name.
    With `viewer`, the objects are ones they may reach: the API token is theirs, and they
    are assigned to the engagement (staff) or linked to its client (client contact)."""
    from apps.checklists.services import catalog_item_create
    from apps.clients.services import client_create, contact_create
    from apps.projects.services import project_assign, project_create

    tag = uuid.uuid4().hex[:8]
    other = MembershipFactory(agency=agency, role=Role.ENGINEER)
    invitation, _ = services.invitation_create(
        actor=owner_membership, email=f"invitee-{tag}@{agency.slug}.test", role=Role.ENGINEER
    )
    token, _ = services.api_token_create(actor=viewer or other, name="ci", expires_in_days=30)
    client = client_create(actor=owner_membership, name=f"Client {tag}")
    contact = contact_create(
        actor=owner_membership, client=client, name="Pat", email=f"pat-{tag}@x.test"
    )
    project = project_create(actor=owner_membership, client=client, name=f"Project {tag}")
    assignment = project_assign(actor=owner_membership, project=project, member=other)
    if viewer is not None and viewer.role == Role.CLIENT:
        viewer.client = client
        viewer.save(update_fields=["client"])
    elif viewer is not None and viewer.pk != owner_membership.pk:
        project_assign(actor=owner_membership, project=project, member=viewer)
    catalog_item = catalog_item_create(
        actor=owner_membership,
        key=f"security.own-{tag}",
        category="security",
        title="Our own check",
        guidance="Do it.",
        severity="low",
        level="gold",
    )
    staff_viewer = viewer is not None and viewer.role != Role.CLIENT
    offer, booking, override = _booking_objects(
        agency, owner_membership, viewer if staff_viewer else other, tag
    )
    notice, endpoint, delivery = _notification_objects(agency, owner_membership, viewer, tag)
    scan = _finished_scan(project)
    return {
        "agency_slug": agency.slug,
        "member_id": str(other.pk),
        "notification_id": str(notice.pk),
        "endpoint_id": str(endpoint.pk),
        "delivery_id": str(delivery.pk),
        "invitation_id": str(invitation.pk),
        "token_id": str(token.pk),
        "client_id": str(client.pk),
        "contact_id": str(contact.pk),
        "project_id": str(project.pk),
        "assignment_id": str(assignment.pk),
        "item_id": str(project.checklist_items.order_by("category", "key").first().pk),
        "category": project.checklist_items.order_by("category").first().category,
        "catalog_item_id": str(catalog_item.pk),
        "offer_id": str(offer.pk),
        "booking_id": str(booking.pk),
        "override_id": str(override.pk),
        "scan_id": str(scan.pk),
        "finding_id": str(scan.findings.get().pk),
        "export_format": "csv",
    }


def api_tenant(slug: str) -> dict[str, str]:
    """An agency at `slug` whose owner sees one object of every kind (tenant_objects), with
    every URL kwarg the API's routes take: the public booking API's too (`agency` and
    `offer` slugs, `token` the booking's manage link), and `bearer`, the owner's API token."""
    from apps.bookings.models import Booking, ConsultationType
    from apps.bookings.tokens import manage_token
    from tests.factories import AgencyFactory

    agency = AgencyFactory(slug=slug)
    owner = MembershipFactory(agency=agency, role=Role.OWNER)
    objects = tenant_objects(agency, owner, viewer=owner)
    _, raw = services.api_token_create(actor=owner, name="api tests", expires_in_days=1)
    return {
        **objects,
        "agency": agency.slug,
        "offer": ConsultationType.objects.get(pk=objects["offer_id"]).slug,
        "token": manage_token(Booking.objects.get(pk=objects["booking_id"])),
        "bearer": raw,
    }


def _notification_objects(agency, owner_membership, viewer, tag):
    """An in-app notice for the viewer (or the owner), a webhook endpoint, and a delivery
    that was given up."""
    from django.utils import timezone

    from apps.notifications.endpoints import endpoint_create
    from apps.notifications.models import Delivery, Notification

    person = (viewer or owner_membership).user
    notice = Notification.objects.create(
        agency=agency, user=person, kind="scan.failed", title="A scan failed"
    )
    endpoint, _ = endpoint_create(
        actor=owner_membership, url=f"https://hooks-{tag}.example.test/in", events=["scan.finished"]
    )
    delivery = Delivery.objects.create(
        agency=agency, kind="scan.finished", channel="webhook", endpoint=endpoint,
        dedupe_key=f"test:{tag}", due_at=timezone.now(), status=Delivery.Status.FAILED,
        payload={"id": f"evt_{tag}", "type": "scan.finished", "data": {}}, last_error="HTTP 500",
    )  # fmt: skip
    return notice, endpoint, delivery


def _finished_scan(project):
    """A succeeded scan of the engagement with one finding, written directly: no clone."""
    from django.utils import timezone

    from apps.scans.models import FindingTriage, Scan, ScanFinding

    scan = Scan.objects.create(
        agency=project.agency, project=project, repository_url="https://github.com/acme/app.git",
        status=Scan.Status.SUCCEEDED, commit_sha="a" * 40, finished_at=timezone.now(),
        completions=1, report={"summary": {}, "checklist": {}, "results": [], "stack": []},
    )  # fmt: skip
    ScanFinding.objects.create(
        agency=project.agency, scan=scan, rule_id="testing.tests-present", rule_title="Tests",
        category="testing", severity="high", message="No tests", path="src/app.ts", line=1,
        key="0123456789abcdef",
    )  # fmt: skip
    # Triaged, so that undoing the triage has something to undo.
    FindingTriage.objects.create(
        agency=project.agency, project=project, key="0123456789abcdef",
        rule_id="testing.tests-present", state=FindingTriage.State.ACCEPTED_RISK,
        reason="Covered by the agency's own end-to-end suite.", decided_at=timezone.now(),
    )  # fmt: skip
    return scan


def _booking_objects(agency, owner_membership, host, tag):
    """An offer hosted by `host` (who gets an every-day schedule), a booking of it a week
    ahead, and a date override on the host's calendar."""
    from datetime import time, timedelta

    from django.utils import timezone

    from apps.bookings import services as booking_services

    booking_services.schedule_save(
        actor=owner_membership,
        member=host,
        time_zone="UTC",
        weekly={day: [(time(0), time(0))] for day in range(7)},
    )
    offer = booking_services.offer_save(
        actor=owner_membership, hosts=[host], name=f"Review {tag}", slug=f"review-{tag}",
        duration_minutes=30, interval_minutes=30, minimum_notice_minutes=0,
    )  # fmt: skip
    start = (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    booking = booking_services.booking_create(
        consultation_type=offer, start=start, consent=True, idempotency_key=f"fixture-{tag}",
        booker=booking_services.Booker(name="Pat", email=f"pat-{tag}@x.test", time_zone="UTC"),
    ).booking  # fmt: skip
    override = booking_services.override_save(
        actor=owner_membership, member=host, day=start.date() + timedelta(days=1), ranges=[]
    )
    return offer, booking, override
