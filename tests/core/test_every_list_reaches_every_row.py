"""Every cursor-paginated list reaches every row exactly once, forwards and back, when its rows
share their sort value (issue 11: the engagements list sorted on `-created_at` alone; where
rows shared a timestamp DRF fell back to offsets and, past its offset limit, `next` gave the
same page forever: 1,050 of 9,046 engagements were reachable).

The list endpoints come from the URL conf, so a list added later is walked too. DRF's offset
limit (1,000) is lowered to 1 here, so three rows sharing a timestamp show what 1,001 would.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from rest_framework.mixins import ListModelMixin
from rest_framework.pagination import CursorPagination

from apps.agencies.models import Agency
from apps.agencies.roles import Role
from apps.core.pagination import keyset_page
from apps.projects.models import Project
from apps.scans.models import Scan
from tests import factories
from tests.support.api import bearer
from tests.support.routes import all_routes
from tests.support.tenants import api_tenant

SHARED_TIMESTAMP = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _list_routes():
    return [
        route
        for route in all_routes()
        if route.is_api
        and isinstance(route.view, type)
        and issubclass(route.view, ListModelMixin)
        and getattr(route.view, "pagination_class", None) is not None
    ]


LIST_ROUTES = _list_routes()


def test_the_url_conf_has_the_lists_we_know_of():
    # A floor, not the list: the walk below takes whatever the URL conf holds.
    names = {route.name for route in LIST_ROUTES}
    assert len(LIST_ROUTES) >= 8, names


@pytest.fixture
def crowded_tenant(catalog):
    """The API tenant with three of everything, every row of it created at one instant."""
    values = api_tenant("crowded")
    agency = Agency.objects.get(slug=values["agency_slug"])
    project = Project.objects.get(pk=values["project_id"])
    scan = Scan.objects.get(pk=values["scan_id"])
    for n in range(3):
        factories.MembershipFactory(agency=agency, role=Role.ENGINEER)
        factories.InvitationFactory(agency=agency)
        factories.ClientFactory(agency=agency)
        factories.ProjectFactory(agency=agency)
        factories.AssignmentFactory(agency=agency, project=project)
        factories.ProjectItemFactory(agency=agency, project=project, category="security")
        factories.ReadinessSnapshotFactory(  # a day each: one snapshot per day
            agency=agency, project=project, day=SHARED_TIMESTAMP.date() - timedelta(days=n)
        )
        factories.ScanFactory(agency=agency, project=project)
        factories.ScanFindingFactory(
            agency=agency, scan=scan, category="testing", rule_id="testing.tests-present",
            path="src/app.ts", line=1 if n else None,
        )  # fmt: skip
        factories.ConsultationTypeFactory(agency=agency)
        factories.BookingFactory(agency=agency)
    for model in apps.get_models():
        fields = {f.name for f in model._meta.get_fields()}
        if "created_at" in fields and "agency" in fields:
            model.objects.filter(agency=agency).update(created_at=SHARED_TIMESTAMP)
    return values


def _key(row: dict) -> str:
    return str(row["id"] if "id" in row else row["day"])  # readiness history: one per day


def _walk(client, url: str, *, start: str, link: str, rows: int) -> list[str]:
    ids: list[str] = []
    page_url: str | None = start
    for _ in range(rows + 2):  # a walk that never ends is the failure, not a hang
        response = client.get(page_url)
        assert response.status_code == 200, (url, response.content)
        body = response.json()
        ids.extend(_key(row) for row in body["results"])
        page_url = body[link]
        if page_url is None:
            return ids
    pytest.fail(f"{url}: `{link}` still pointed somewhere after {rows + 2} pages ({len(ids)} rows)")


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda r: r.name or r.route)
def test_every_list_endpoint_reaches_every_row_once(crowded_tenant, route, monkeypatch):
    monkeypatch.setattr(CursorPagination, "offset_cutoff", 1)
    client = bearer(crowded_tenant["bearer"])
    url = route.url(crowded_tenant)
    everything = client.get(url, {"page_size": 200})
    assert everything.status_code == 200, everything.content
    assert everything.json()["next"] is None, "more than one page of 200: grow the walk"
    expected = [_key(row) for row in everything.json()["results"]]

    forwards = _walk(client, url, start=f"{url}?page_size=1", link="next", rows=len(expected))
    assert Counter(forwards) == Counter(expected), url
    assert forwards == expected, f"{url}: one page at a time keeps the order of one page"

    # From the last page back to the first, by `previous`.
    last = client.get(
        url, {"page_size": 1, "cursor": _last_cursor(client, url, rows=len(expected))}
    )
    assert last.status_code == 200
    assert last.json()["results"] == everything.json()["results"][-1:]
    if len(expected) > 1:
        start = last.json()["previous"]
        backwards = _walk(client, url, start=start, link="previous", rows=len(expected))
        assert [*backwards[::-1], expected[-1]] == expected, url


def _last_cursor(client, url: str, *, rows: int) -> str:
    """The cursor of the last page of one row."""
    page_url: str | None = f"{url}?page_size=1"
    cursor = ""
    for _ in range(rows + 2):
        body = client.get(page_url).json()
        if body["next"] is None:
            return cursor
        page_url = body["next"]
        cursor = parse_qs(urlsplit(page_url).query)["cursor"][0]
    pytest.fail(f"{url}: no last page")


def test_the_crowded_lists_share_their_timestamps(crowded_tenant):
    # The walk above only proves something if rows really share their sort value.
    client = bearer(crowded_tenant["bearer"])
    projects = client.get(f"/api/v1/agencies/{crowded_tenant['agency_slug']}/projects/").json()
    assert len(projects["results"]) >= 3
    assert {row["created_at"] for row in projects["results"]} == {"2026-01-01T12:00:00Z"}


@pytest.mark.django_db
def test_the_html_keyset_page_reaches_every_row_once(agency, owner):
    from apps.audit.models import AuditEvent, Verb
    from apps.audit.selectors import audit_event_list

    for n in range(7):
        AuditEvent.objects.create(
            agency=agency, actor=owner.user, verb=Verb.CLIENT_EXPORTED,
            target_type="client", target_id=str(n),
        )  # fmt: skip
    AuditEvent.objects.filter(agency=agency).update(created_at=SHARED_TIMESTAMP)
    expected = [str(e.pk) for e in audit_event_list(agency=agency)]
    seen: list[str] = []
    query: dict[str, str] = {}
    for _ in range(50):
        page = keyset_page(
            audit_event_list(agency=agency), cursor=query.get("cursor"), size=2, query=query
        )
        seen.extend(str(e.pk) for e in page.items)
        if page.next_url is None:
            break
        query = {"cursor": parse_qs(urlsplit(page.next_url).query)["cursor"][0]}
    assert seen == expected
    assert len(set(seen)) == 7


def test_a_list_ordering_ends_on_the_primary_key():
    from apps.core.api import CreatedCursorPagination

    for route in LIST_ROUTES:
        pagination = route.view.pagination_class
        assert issubclass(pagination, CreatedCursorPagination), route.name
        ordering = pagination().keyset_ordering()
        assert ordering[-1].lstrip("-") == "id", (route.name, ordering)


def test_a_cursor_not_ours_is_a_400(crowded_tenant):
    from base64 import b64encode

    from tests.support.api import assert_error

    client = bearer(crowded_tenant["bearer"])
    url = f"/api/v1/agencies/{crowded_tenant['agency_slug']}/projects/"
    for position in ["not json", '["2026-01-01T12:00:00Z"]', '["yesterday", "x"]', "[1, 2, 3]"]:
        token = b64encode(f"p={position}".encode()).decode()
        assert_error(client.get(url, {"cursor": token}), 400, field="cursor")
