"""Bulk changes on the checklist (issue 13): the checked rows changed in one request, one
service call and one transaction, with one feed entry per item and a query count that does
not grow with the selection; a refusal or bad input changes nothing."""

import uuid
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.checklists import services
from apps.checklists.models import ItemStatus, ProjectItem
from apps.core import crypto
from apps.notifications.models import Delivery, WebhookEndpoint
from apps.projects.models import Activity
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist(portal, catalog):
    items = list(ProjectItem.objects.filter(project=portal).order_by("category", "key"))
    assert len(items) >= 100, "the catalog gives an engagement at least 100 items"
    return items


def _post(client, project, item_ids, **fields):
    url = reverse("items_bulk", args=[project.agency.slug, project.pk])
    data = {"items": [str(pk) for pk in item_ids], **fields}
    return client.post(url, data)


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def _feed(project, field="status"):
    return Activity.objects.filter(project=project, kind=Activity.Kind.ITEM_CHANGED, field=field)


def test_a_hundred_items_change_in_one_request_with_a_feed_entry_each(
    assigned, portal, checklist, login
):
    chosen = checklist[:100]
    response = _post(
        login(assigned), portal, [i.pk for i in chosen], action="status", status="done"
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/projects/{portal.pk}/")
    assert _messages(response) == ["100 items changed."]
    done = ProjectItem.objects.filter(pk__in=[i.pk for i in chosen], status=ItemStatus.DONE)
    assert done.count() == 100
    assert all(item.completed_at is not None for item in done)
    feed = _feed(portal)
    assert feed.count() == 100
    assert set(feed.values_list("item_id", flat=True)) == {i.pk for i in chosen}
    assert set(feed.values_list("actor", flat=True)) == {assigned.user_id}
    portal.refresh_from_db()
    assert portal.last_activity_at is not None


@pytest.mark.postgres  # SQLite's parameter limit splits a bulk statement into several
def test_the_query_count_does_not_grow_with_the_selection(assigned, portal, checklist, agency):
    # A webhook endpoint too: each changed item is one event, written in one statement.
    WebhookEndpoint.objects.create(
        agency=agency, url="https://hooks.example.test/in", events=["checklist_item.changed"],
        secret_encrypted=crypto.encrypt("whsec_test"),
    )  # fmt: skip

    def queries(items, status):
        with CaptureQueriesContext(connection) as captured:
            services.items_bulk_update(
                actor=assigned, project=portal, item_ids=[i.pk for i in items], status=status
            )
        return len(captured)

    queries(checklist[-5:], ItemStatus.IN_PROGRESS)  # warm: the actor's permissions are cached
    small = queries(checklist[:10], ItemStatus.IN_PROGRESS)
    large = queries(checklist[10:110], ItemStatus.IN_PROGRESS)
    assert small == large
    # Lock, items, their update, the feed, readiness (7), webhook endpoints and events (3),
    # savepoints (2); on PostgreSQL each bulk statement is one however many rows.
    assert small == 17
    assert Delivery.objects.filter(kind="checklist_item.changed").count() == 115


def test_not_applicable_takes_one_reason_for_all(assigned, portal, checklist, login):
    client = login(assigned)
    ids = [i.pk for i in checklist[:5]]
    response = _post(client, portal, ids, action="status", status="not_applicable")
    assert any("Say why these items do not apply" in m for m in _messages(response))
    assert not ProjectItem.objects.filter(pk__in=ids, status=ItemStatus.NOT_APPLICABLE).exists()

    reason = "The app has no payments at all."
    _post(client, portal, ids, action="status", status="not_applicable",
          not_applicable_reason=reason)  # fmt: skip
    items = ProjectItem.objects.filter(pk__in=ids)
    assert set(items.values_list("status", "not_applicable_reason")) == {
        (ItemStatus.NOT_APPLICABLE, reason)
    }
    assert set(_feed(portal).values_list("message", flat=True)) == {reason}


def test_assign_and_clear_due_dates(assigned, portal, checklist, login):
    client = login(assigned)
    ids = [i.pk for i in checklist[:3]]
    _post(client, portal, ids, action="assignee", assignee=str(assigned.pk))
    assert set(ProjectItem.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {
        assigned.pk
    }
    _post(client, portal, ids, action="due_date", due_date="2027-01-15")
    assert set(ProjectItem.objects.filter(pk__in=ids).values_list("due_date", flat=True)) == {
        date(2027, 1, 15)
    }
    response = _post(client, portal, ids, action="due_date", due_date="")
    assert _messages(response)[-1] == "3 items changed."
    assert set(ProjectItem.objects.filter(pk__in=ids).values_list("due_date", flat=True)) == {None}
    response = _post(client, portal, ids, action="due_date", due_date="")
    assert _messages(response)[-1] == "0 items changed; 3 already were so."


def test_an_engineer_not_on_the_engagement_changes_nothing(engineer, portal, checklist, login):
    response = _post(login(engineer), portal, [i.pk for i in checklist[:100]],
                     action="status", status="done")  # fmt: skip
    assert response.status_code in (302, 403, 404)
    assert not ProjectItem.objects.filter(project=portal, status=ItemStatus.DONE).exists()
    assert not _feed(portal).exists()


def test_a_client_contact_cannot_bulk_change(client_member, portal, checklist, login):
    response = _post(login(client_member), portal, [i.pk for i in checklist[:3]],
                     action="status", status="done")  # fmt: skip
    assert response.status_code in (302, 403, 404)
    assert not ProjectItem.objects.filter(project=portal, status=ItemStatus.DONE).exists()


def test_another_engagements_or_agencys_item_refuses_the_whole_change(
    assigned, portal, checklist, make_project, login
):
    other_project = make_project(name="Other")
    foreign_agency_item = ProjectItem.objects.exclude(agency=portal.agency).first()
    strangers = [ProjectItem.objects.filter(project=other_project).first()]
    if foreign_agency_item is not None:
        strangers.append(foreign_agency_item)
    for stranger in strangers:
        response = _post(login(assigned), portal, [checklist[0].pk, stranger.pk],
                         action="status", status="done")  # fmt: skip
        assert any("not on this engagement's checklist" in m for m in _messages(response))
    assert not ProjectItem.objects.filter(status=ItemStatus.DONE).exists()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"action": "delete_everything"}, "Select a valid choice"),
        ({"action": "status"}, "Choose the status to set"),
        ({"action": "status", "status": "shipped"}, "Select a valid choice"),
        ({"action": "status", "status": "not_applicable", "not_applicable_reason": "x" * 501},
         "at most 500 characters"),
        ({"action": "due_date", "due_date": "15/01/2027"}, "Enter a valid date"),
        ({"action": "due_date", "due_date": "9999-01-01"}, ""),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    assigned, portal, checklist, login, fields, expected
):
    response = _post(login(assigned), portal, [i.pk for i in checklist[:3]], **fields)
    assert response.status_code == 302
    message = " ".join(_messages(response))
    assert message.startswith("Nothing was changed.")
    assert expected in message
    assert not _feed(portal, field=fields.get("action", "status")).exists()


def test_bad_selections_get_a_clear_error(assigned, portal, checklist, login):
    client = login(assigned)
    cases = [
        ([], "Select at least one item"),
        (["not-a-uuid"], "Select items from the checklist"),
        ([uuid.uuid4() for _ in range(501)], "at most 500 items"),
        ([uuid.uuid4()], "not on this engagement's checklist"),
    ]
    for ids, expected in cases:
        response = _post(client, portal, ids, action="status", status="done")
        assert any(expected in m for m in _messages(response)), (ids[:1], _messages(response))
    assert not _feed(portal).exists()


def test_an_assignee_from_another_agency_or_a_client_contact_is_refused(
    assigned, portal, checklist, client_member, login
):
    outsider = MembershipFactory(role="engineer")
    for who in (outsider, client_member):
        response = _post(login(assigned), portal, [checklist[0].pk],
                         action="assignee", assignee=str(who.pk))  # fmt: skip
        assert " ".join(_messages(response)).startswith("Nothing was changed.")
    assert not ProjectItem.objects.filter(project=portal, assignee__isnull=False).exists()


def test_the_checklist_page_offers_the_bulk_bar_to_those_who_work_on_it(
    assigned, client_member, portal, checklist, login
):
    url = reverse("project_detail", args=[portal.agency.slug, portal.pk])
    page = login(assigned).get(url).content.decode()
    assert 'id="bulk-form"' in page
    # Every drawn row can be selected; the groups past the row budget load when opened.
    response = login(assigned).get(url)
    drawn = [item for group in response.context["groups"] for item in group.items]
    assert drawn
    assert page.count('name="items"') == len(drawn)
    assert sum(group.count for group in response.context["groups"]) == len(checklist)
    assert '<details class="checklist-group" data-group open' in page
    search = login(assigned).get(url, {"q": checklist[0].title[:20]}).content.decode()
    assert checklist[0].title in search
    assert search.count('name="items"') < len(checklist)
