"""An agency admin exports a client and everything of theirs, and erases it: afterwards no
text column of any table holds the client's people's data, bookings included."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.agencies.models import Membership
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from apps.bookings import services as booking_services
from apps.bookings.models import Booking
from apps.checklists import services as checklist_services
from apps.clients import services as client_services
from apps.clients.models import Client
from apps.core.errors import PermissionDeniedError
from apps.privacy.services import client_erase, client_export
from apps.scans.models import Scan, ScanFinding
from tests.factories import UserFactory
from tests.privacy.conftest import book, offer
from tests.privacy.search import archive_text, find_everywhere, snapshot

pytestmark = pytest.mark.django_db

HEXAGON = [
    "Charlotte Client", "charlotte@hexagon.test", "Hexagon Labs", "Charlotte's secret plans",
    "https://charlotte.example.test/app", "Dev Danvers", "dev@hexagon.test", "+1 555 0100 77",
    "Prefers calls after five", "billing@hexagon.test", "Hexagon launch worries",
    "Dev's second booking",
]  # fmt: skip
OTHER = ["Olive Other", "olive@other.test", "Other Co"]


@dataclass
class Hexagon:
    client: Client
    portal_member: Membership
    bookings: list[Booking]


@pytest.fixture
def hexagon(agency, owner, make_member, catalog, django_capture_on_commit_callbacks) -> Hexagon:
    """A client made from a booking (booking_convert), with a second contact invited to the
    portal, a portal member, notes, a checklist with a comment and evidence, a scan, and a
    second booking by one of its people; and another client that must stay as it is."""
    host = make_member(agency, Role.ENGINEER)
    review = offer(owner, host, "hex-review")
    with django_capture_on_commit_callbacks(execute=True):
        first = book(
            review, host=host, name="Charlotte Client", email="charlotte@hexagon.test",
            tag="charlotte", notes="Charlotte's secret plans", company="Hexagon Labs",
        )  # fmt: skip
        second = book(
            review, host=host, name="Dev Danvers", email="dev@hexagon.test", tag="dev", days=4,
            notes="Dev's second booking",
        )  # fmt: skip
    project = booking_services.booking_convert(actor=owner, booking=first)
    client = project.client
    client_services.client_update(
        actor=owner, client=client, notes="Prefers calls after five",
        billing_email="billing@hexagon.test",
    )  # fmt: skip
    dev = client_services.contact_create(
        actor=owner, client=client, name="Dev Danvers", email="dev@hexagon.test",
        phone="+1 555 0100 77", title="CTO",
    )  # fmt: skip
    client_services.contact_invite(actor=owner, contact=dev)
    portal_member = make_member(agency, Role.CLIENT, client=client, email="portal@hexagon.test")
    item = project.checklist_items.order_by("key").first()
    checklist_services.comment_add(actor=owner, item=item, body="Hexagon launch worries")
    checklist_services.evidence_add(actor=owner, item=item, url="https://ci.example.test/1")
    scan = Scan.objects.create(
        agency=agency, project=project, repository_url="https://github.com/hexagon/app.git",
        status=Scan.Status.SUCCEEDED, finished_at=timezone.now(), completions=1,
        report={"summary": {"rules": {"passed": 3, "failed": 1}}},
    )  # fmt: skip
    ScanFinding.objects.create(
        agency=agency, scan=scan, rule_id="testing.tests-present", rule_title="Tests",
        category="testing", severity="high", message="No tests", key="0123456789abcdef",
    )  # fmt: skip
    other = client_services.client_create(actor=owner, name="Other Co")
    client_services.contact_create(
        actor=owner, client=other, name="Olive Other", email="olive@other.test"
    )
    return Hexagon(client=client, portal_member=portal_member, bookings=[first, second])


# --- Export ------------------------------------------------------------------------------------


def test_the_export_holds_the_client_and_everything_of_theirs(hexagon, owner):
    files = archive_text(client_export(actor=owner, client=hexagon.client))
    data = {name: json.loads(text) for name, text in files.items()}
    assert data["client.json"]["notes"] == "Prefers calls after five"
    assert {c["email"] for c in data["contacts.json"]} == {
        "charlotte@hexagon.test",
        "dev@hexagon.test",
    }
    assert [e["name"] for e in data["engagements.json"]] == ["Hexagon Labs MVP"]
    assert data["checklist_items.json"]
    assert [c["body"] for c in data["comments.json"]] == ["Hexagon launch worries"]
    assert [e["url"] for e in data["evidence.json"]] == ["https://ci.example.test/1"]
    assert {b["booker_email"] for b in data["bookings.json"]} == {
        "charlotte@hexagon.test",
        "dev@hexagon.test",
    }
    assert [s["findings_by_severity"] for s in data["scans.json"]] == [{"high": 1}]
    assert [m["user__email"] for m in data["portal_members.json"]] == ["portal@hexagon.test"]
    assert [i["email"] for i in data["invitations.json"]] == ["dev@hexagon.test"]
    everything = "\n".join(files.values())
    assert "Olive Other" not in everything
    # Team members appear as ids: the host's and the owner's names are not there.
    assert owner.user.name not in everything
    event = AuditEvent.objects.get(verb=Verb.CLIENT_EXPORTED)
    assert (event.actor_id, event.target_id) == (owner.user_id, str(hexagon.client.pk))


def test_only_admins_export(hexagon, engineer):
    with pytest.raises(PermissionDeniedError):
        client_export(actor=engineer, client=hexagon.client)
    assert not AuditEvent.objects.filter(verb=Verb.CLIENT_EXPORTED).exists()


def test_the_client_page_exports_the_archive(hexagon, owner, login):
    client = login(owner)
    url = reverse("client_privacy", args=[owner.agency.slug, hexagon.client.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Erase Hexagon Labs" in page.content.decode()
    response = client.post(reverse("client_export", args=[owner.agency.slug, hexagon.client.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "contacts.json" in archive_text(response.content)


def test_another_agencys_client_id_is_404_and_changes_nothing(hexagon, other_agency, login):
    intruder = Membership.objects.create(agency=other_agency, user=UserFactory(), role=Role.OWNER)
    client = login(intruder)
    before = snapshot()
    assert (
        client.get(
            reverse("client_privacy", args=[other_agency.slug, hexagon.client.pk])
        ).status_code
        == 404
    )
    for name in ("client_export", "client_erase"):
        url = reverse(name, args=[other_agency.slug, hexagon.client.pk])
        response = client.post(url, {"confirm_name": "Hexagon Labs"})
        assert response.status_code == 404, name
    assert snapshot() == before


# --- Erasure -----------------------------------------------------------------------------------


def test_after_erasure_no_text_column_of_any_table_holds_the_clients_data(hexagon, owner):
    found_before = find_everywhere(HEXAGON)
    # Every needle stands somewhere before: the search's silence after means something.
    assert {hit.split(": ", 1)[1] for hit in found_before} == set(HEXAGON)
    client_export(actor=owner, client=hexagon.client)

    counts = client_erase(actor=owner, client=hexagon.client, confirm_name="hexagon labs ")

    assert find_everywhere(HEXAGON) == []
    assert {hit.split(": ", 1)[1] for hit in find_everywhere(OTHER)} == set(OTHER)
    assert counts["contacts"] == 2
    assert counts["engagements"] == 1
    assert counts["bookings"] == 2
    assert not Client.objects.filter(pk=hexagon.client.pk).exists()
    assert not Scan.objects.filter(agency=owner.agency).exists()


def test_bookings_stay_as_history_without_the_visitor(hexagon, owner):
    client_erase(actor=owner, client=hexagon.client, confirm_name="Hexagon Labs")
    for booking in Booking.objects.filter(pk__in=[b.pk for b in hexagon.bookings]):
        assert booking.booker_name == "Deleted user"
        assert booking.booker_email.endswith(".invalid")
        assert (booking.notes, booking.booker_company, booking.prototype_url) == ("", "", "")
        assert booking.client_id is None
        assert booking.project_id is None


def test_portal_access_goes_but_the_persons_own_sign_in_stays(hexagon, owner):
    client_erase(actor=owner, client=hexagon.client, confirm_name="Hexagon Labs")
    assert not Membership.objects.filter(pk=hexagon.portal_member.pk).exists()
    hexagon.portal_member.user.refresh_from_db()
    assert hexagon.portal_member.user.is_active


def test_the_erasure_is_audited_without_the_erased_data(hexagon, owner):
    client_erase(actor=owner, client=hexagon.client, confirm_name="Hexagon Labs")
    event = AuditEvent.objects.get(verb=Verb.CLIENT_ERASED)
    assert event.target_id == str(hexagon.client.pk)
    assert event.target_repr == "Erased client"
    assert event.changes["contacts"] == 2
    created = AuditEvent.objects.get(verb=Verb.CLIENT_CREATED, target_id=str(hexagon.client.pk))
    assert (created.target_repr, created.changes) == ("Erased", {})


def test_a_wrong_confirmation_changes_nothing(hexagon, owner):
    before = snapshot()
    with pytest.raises(ValidationError, match="exactly as shown"):
        client_erase(actor=owner, client=hexagon.client, confirm_name="Hexagon")
    assert snapshot() == before


def test_only_admins_erase(hexagon, engineer):
    before = snapshot()
    with pytest.raises(PermissionDeniedError):
        client_erase(actor=engineer, client=hexagon.client, confirm_name="Hexagon Labs")
    assert snapshot() == before


def test_erasing_from_the_page_confirms_then_lists_the_clients(hexagon, owner, login):
    client = login(owner)
    url = reverse("client_erase", args=[owner.agency.slug, hexagon.client.pk])
    before = snapshot()
    refused = client.post(url, {"confirm_name": "Hexagon"})
    assert refused.status_code == 200
    assert "exactly as shown" in refused.content.decode()
    assert snapshot() == before
    response = client.post(url, {"confirm_name": "Hexagon Labs"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("clients", args=[owner.agency.slug])
    assert "Hexagon Labs and everything of theirs is erased." in response.content.decode()
    assert find_everywhere(HEXAGON) == []


def test_an_engineer_is_refused_the_pages(hexagon, engineer, login):
    client = login(engineer)
    before = snapshot()
    slug, pk = engineer.agency.slug, hexagon.client.pk
    assert client.get(reverse("client_privacy", args=[slug, pk])).status_code == 403
    assert client.post(reverse("client_export", args=[slug, pk])).status_code == 403
    erase = client.post(reverse("client_erase", args=[slug, pk]), {"confirm_name": "Hexagon Labs"})
    assert erase.status_code == 403
    assert snapshot() == before


def test_the_client_page_costs_the_same_queries_whatever_the_clients_size(hexagon, owner, login):
    client = login(owner)
    url = reverse("client_privacy", args=[owner.agency.slug, hexagon.client.pk])
    client.get(url)  # warm: the session and the site are read once
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(10):
        client_services.contact_create(
            actor=owner, client=hexagon.client, name=f"More {n}", email=f"more{n}@hexagon.test"
        )
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
