"""The audit log page: admins only, filtered by event, person and dates, newest first, and
paged by cursor."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent, Verb
from apps.audit.services import audit_record
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _event(agency, actor, verb, when):
    event = audit_record(verb=verb, actor=actor, agency=agency, target=agency)
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when)
    return event


def test_admin_sees_the_agencys_events_and_not_anothers(admin_member, login, agency):
    other = AgencyFactory(name="Other Agency")
    _event(agency, admin_member.user, Verb.AGENCY_UPDATED, datetime(2026, 3, 1, tzinfo=UTC))
    _event(other, admin_member.user, Verb.AGENCY_CREATED, datetime(2026, 3, 2, tzinfo=UTC))
    page = login(admin_member).get(reverse("audit_log", args=[agency.slug]))
    body = page.content.decode()
    assert "Agency settings changed" in body
    assert "Other Agency" not in body


def test_filters_by_event_person_and_dates(owner, engineer, login, agency):
    _event(agency, owner.user, Verb.AGENCY_UPDATED, datetime(2026, 3, 1, 12, tzinfo=UTC))
    _event(agency, engineer.user, Verb.MEMBER_JOINED, datetime(2026, 3, 5, 12, tzinfo=UTC))
    _event(agency, engineer.user, Verb.API_TOKEN_CREATED, datetime(2026, 3, 9, 12, tzinfo=UTC))
    client = login(owner)
    url = reverse("audit_log", args=[agency.slug])

    def verbs(**params):
        return [e.verb for e in client.get(url, params).context["page"].items]

    assert verbs(verb=Verb.MEMBER_JOINED) == [Verb.MEMBER_JOINED]
    assert verbs(member=str(engineer.pk)) == [Verb.API_TOKEN_CREATED, Verb.MEMBER_JOINED]
    assert verbs(since="2026-03-04", until="2026-03-06") == [Verb.MEMBER_JOINED]
    assert len(verbs()) == 3


def test_a_member_of_another_agency_is_not_a_valid_filter(owner, login, agency):
    stranger = MembershipFactory(agency=AgencyFactory())
    _event(stranger.agency, stranger.user, Verb.AGENCY_UPDATED, datetime(2026, 3, 1, tzinfo=UTC))
    response = login(owner).get(
        reverse("audit_log", args=[agency.slug]), {"member": str(stranger.pk)}
    )
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert stranger.user.email not in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "2026-03-10", "until": "2026-03-01"}, "on or after the start date"),
        ({"since": "not-a-date"}, "Enter a valid date"),
        ({"verb": "nope"}, "Select a valid choice"),
        ({"member": "not-a-uuid"}, "is not a valid UUID"),
    ],
)
def test_bad_filters_are_explained(owner, login, agency, params, message):
    response = login(owner).get(reverse("audit_log", args=[agency.slug]), params)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_cursor_paging_walks_every_event_once(owner, login, agency):
    for day in range(1, 8):
        _event(agency, owner.user, Verb.AGENCY_UPDATED, datetime(2026, 3, day, tzinfo=UTC))
    client = login(owner)
    from apps.agencies.views import AuditLogView

    AuditLogView.page_size = 3
    try:
        url = reverse("audit_log", args=[agency.slug])
        seen, next_url = [], url
        while next_url:
            response = client.get(next_url if next_url.startswith("/") else url + next_url)
            page = response.context["page"]
            seen += [e.pk for e in page.items]
            next_url = page.next_url
        assert len(seen) == len(set(seen)) == AuditEvent.objects.filter(agency=agency).count()
        # A tampered cursor is ignored, not an error.
        assert client.get(url, {"cursor": "garbage"}).status_code == 200
    finally:
        AuditLogView.page_size = 50


def test_engineers_and_clients_cannot_read_the_audit_log(engineer, client_member, login, agency):
    for member in (engineer, client_member):
        assert login(member).get(reverse("audit_log", args=[agency.slug])).status_code == 403
