"""The checklist API: an engagement's items (list with filters, read, change), its readiness
and readiness history. Whoever can see the engagement may read; the assigned engineers and
admins may change items; bad input is a 400 that changes nothing."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from apps.agencies.roles import Role
from apps.checklists import selectors, services
from apps.checklists.models import CatalogItem, ItemStatus, ProjectItem
from apps.projects import services as project_services
from apps.projects.models import Activity, Project
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.support.api import assert_error

pytestmark = pytest.mark.django_db

MISSING = "00000000-0000-4000-8000-000000000000"


def url(project, name, *args):
    return reverse(name, args=[project.agency.slug, project.pk, *args])


def items_url(project):
    return url(project, "api_project_items")


def item_url(item):
    return url(item.project, "api_project_item", item.pk)


def current(project):
    return ProjectItem.objects.filter(project=project).current().order_by("category", "key")


def stored(item):
    """The item, the engagement's readiness and feed as stored: a refusal changes none."""
    return (
        ProjectItem.objects.filter(pk=item.pk).values().get(),
        Project.objects.filter(pk=item.project_id).values_list("readiness", flat=True).get(),
        Activity.objects.filter(project_id=item.project_id).count(),
    )


def all_keys(client, first_url, **params):
    page = client.get(first_url, params).json()
    keys = [i["key"] for i in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        keys += [i["key"] for i in page["results"]]
    return keys


@pytest.fixture
def unassigned(agency, make_member):
    return make_member(agency, Role.ENGINEER)


@pytest.fixture
def item(portal):
    return current(portal).first()


# --- Listing items --------------------------------------------------------------------------------


def test_items_are_listed_by_category_then_key_across_pages(owner, portal, login):
    expected = list(current(portal).values_list("key", flat=True))
    assert len(expected) > 20
    client = login(owner)
    assert all_keys(client, items_url(portal), page_size=7) == expected
    assert all_keys(client, items_url(portal), page_size=200) == expected


def test_item_rows(owner, engineer, assigned, portal, item, login):
    services.item_update(actor=owner, item=item, assignee=engineer, due_date=date(2030, 1, 15))
    services.evidence_add(actor=owner, item=item, url="https://example.test/pr/1")
    row = login(owner).get(items_url(portal)).json()["results"][0]
    assert row["id"] == str(item.pk)
    assert row["key"] == item.key
    assert row["status"] == "todo"
    assert row["assignee"]["id"] == str(engineer.pk)
    assert row["assignee"]["user"]["email"] == engineer.user.email
    assert row["due_date"] == "2030-01-15"
    assert row["evidence_count"] == 1
    assert row["target"] == item.catalog_item.target


def test_retired_items_are_not_listed(owner, make_project, login):
    project = make_project(compliance=["gdpr"])
    project_services.project_update(actor=owner, project=project, compliance=[])
    keys = all_keys(login(owner), items_url(project), page_size=200)
    assert keys == list(current(project).values_list("key", flat=True))
    assert not any(k.startswith("compliance.gdpr") for k in keys)


def test_item_filters(owner, engineer, assigned, portal, login):
    items = list(current(portal))
    services.item_update(actor=owner, item=items[0], status=ItemStatus.DONE)
    services.item_update(actor=owner, item=items[1], status=ItemStatus.IN_PROGRESS)
    services.item_update(actor=owner, item=items[2], assignee=engineer)
    services.item_update(actor=owner, item=items[3], assignee=owner)
    everything = current(portal)

    def keys(member=owner, **params):
        return all_keys(login(member), items_url(portal), page_size=200, **params)

    assert keys(status="done") == [items[0].key]
    assert keys(status="in_progress") == [items[1].key]
    assert keys(status="open") == list(
        everything.exclude(pk=items[0].pk).values_list("key", flat=True)
    )
    assert keys(category="security") == list(
        everything.filter(category="security").values_list("key", flat=True)
    )
    assert keys(severity="critical") == list(
        everything.filter(severity="critical").values_list("key", flat=True)
    )
    assert keys(assignee=str(engineer.pk)) == [items[2].key]
    assert keys(engineer, assignee="me") == [items[2].key]
    assert keys(assignee="me") == [items[3].key]
    assert keys(category="nothing-here") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"severity": "urgent"}, "severity"),
        ({"assignee": "not-a-uuid"}, "assignee"),
        ({"assignee": MISSING}, "assignee"),
        ({"assignee": "foreign"}, "assignee"),
        ({"category": "c" * 41}, "category"),
    ],
)
def test_bad_item_filters_are_a_400(owner, portal, login, query, field):
    if query.get("assignee") == "foreign":
        query = {"assignee": str(MembershipFactory(agency=AgencyFactory()).pk)}
    assert_error(login(owner).get(items_url(portal), query), 400, "invalid", field)


def test_who_may_read_the_checklist(
    admin_member, assigned, acme_contact, unassigned, other_contact, portal, item, login
):
    for member in (admin_member, assigned, acme_contact):
        client = login(member)
        assert client.get(items_url(portal)).status_code == 200, member.role
        assert client.get(item_url(item)).status_code == 200, member.role
    for member in (unassigned, other_contact):
        client = login(member)
        assert_error(client.get(items_url(portal)), 404, "not_found")
        assert_error(client.get(item_url(item)), 404, "not_found")


# --- One item -------------------------------------------------------------------------------------


def test_item_detail_has_guidance_evidence_and_comments(owner, acme_contact, item, login):
    services.evidence_add(actor=owner, item=item, note="Checked by hand")
    services.comment_add(actor=acme_contact, item=item, body="Looks good to us")
    data = login(owner).get(item_url(item)).json()
    assert data["guidance"] == item.catalog_item.guidance
    assert [e["note"] for e in data["evidence"]] == ["Checked by hand"]
    assert data["evidence"][0]["added_by"]["email"] == owner.user.email
    assert [(c["body"], c["author"]["email"]) for c in data["comments"]] == [
        ("Looks good to us", acme_contact.user.email)
    ]
    assert data["signed_off_by"] is None


def test_an_item_of_another_engagement_or_agency_is_404(owner, make_project, portal, item, login):
    other = make_project(name="Other")
    client = login(owner)
    assert_error(client.get(url(other, "api_project_item", item.pk)), 404)
    assert_error(client.get(url(portal, "api_project_item", MISSING)), 404)
    stranger = MembershipFactory(agency=AgencyFactory(), role=Role.OWNER)
    foreign_project = project_services.project_create(
        actor=stranger, client=ClientFactory(agency=stranger.agency), name="Theirs"
    )
    foreign_item = current(foreign_project).first()
    assert_error(client.get(url(portal, "api_project_item", foreign_item.pk)), 404)
    before = stored(foreign_item)
    response = client.patch(
        url(portal, "api_project_item", foreign_item.pk),
        {"status": "done"},
        content_type="application/json",
    )
    assert_error(response, 404)
    assert stored(foreign_item) == before


# --- Changing an item -----------------------------------------------------------------------------


def test_assigned_engineer_marks_an_item_done(assigned, portal, item, login):
    response = login(assigned).patch(
        item_url(item), {"status": "done"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "done"
    assert data["completed_at"]
    assert "guidance" in data
    portal.refresh_from_db()
    assert portal.readiness > 0
    change = Activity.objects.get(project=portal, item=item, field="status")
    assert (change.old_value, change.new_value) == ("To do", "Done")


def test_not_applicable_needs_a_reason(owner, item, login):
    client = login(owner)
    before = stored(item)
    response = client.patch(
        item_url(item), {"status": "not_applicable"}, content_type="application/json"
    )
    assert_error(response, 400, "invalid", "not_applicable_reason")
    assert stored(item) == before
    response = client.patch(
        item_url(item),
        {"status": "not_applicable", "not_applicable_reason": "No payments in this product"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["not_applicable_reason"] == "No payments in this product"


def test_admin_assigns_reschedules_and_unassigns(owner, engineer, assigned, item, login):
    client = login(owner)
    response = client.patch(
        item_url(item),
        {"assignee": str(engineer.pk), "due_date": "2030-02-15"},
        content_type="application/json",
    )
    data = response.json()
    assert data["assignee"]["id"] == str(engineer.pk)
    assert data["due_date"] == "2030-02-15"
    response = client.patch(
        item_url(item), {"assignee": None, "due_date": None}, content_type="application/json"
    )
    data = response.json()
    assert (data["assignee"], data["due_date"]) == (None, None)
    item.refresh_from_db()
    assert item.assignee is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"status": None}, "status"),
        ({"assignee": "not-a-uuid"}, "assignee"),
        ({"assignee": MISSING}, "assignee"),
        ({"assignee": "foreign"}, "assignee"),
        ({"assignee": "client"}, "assignee"),
        ({"due_date": "soon"}, "due_date"),
        ({"due_date": "2030-02-30"}, "due_date"),
        ({"status": "not_applicable", "not_applicable_reason": "r" * 501}, "not_applicable_reason"),
        ({"status": "not_applicable", "not_applicable_reason": "   "}, "not_applicable_reason"),
    ],
)
def test_bad_item_change_is_a_400_and_changes_nothing(
    owner, acme_contact, item, login, body, field
):
    special = {
        "foreign": lambda: str(MembershipFactory(agency=AgencyFactory()).pk),
        "client": lambda: str(acme_contact.pk),
    }
    body = {k: special[v]() if v in special else v for k, v in body.items()}
    before = stored(item)
    response = login(owner).patch(item_url(item), body, content_type="application/json")
    assert_error(response, 400, "invalid", field)
    assert stored(item) == before


def test_client_contact_cannot_change_items(acme_contact, item, login):
    before = stored(item)
    response = login(acme_contact).patch(
        item_url(item), {"status": "done"}, content_type="application/json"
    )
    assert_error(response, 403, "permission_denied")
    assert stored(item) == before


def test_engineers_and_contacts_who_cannot_see_the_engagement_get_404(
    unassigned, other_contact, item, login
):
    before = stored(item)
    for member in (unassigned, other_contact):
        response = login(member).patch(
            item_url(item), {"status": "done"}, content_type="application/json"
        )
        assert_error(response, 404)
    assert stored(item) == before


def test_a_retired_item_cannot_be_changed(owner, make_project, login):
    project = make_project(compliance=["gdpr"])
    gdpr = current(project).filter(key__startswith="compliance.gdpr").first()
    project_services.project_update(actor=owner, project=project, compliance=[])
    gdpr.refresh_from_db()
    assert gdpr.retired_at is not None
    client = login(owner)
    assert client.get(item_url(gdpr)).status_code == 200
    before = stored(gdpr)
    response = client.patch(item_url(gdpr), {"status": "done"}, content_type="application/json")
    assert_error(response, 400, "item_retired")
    assert stored(gdpr) == before


# --- Readiness ------------------------------------------------------------------------------------


def test_readiness_overall_and_per_category(owner, portal, login):
    security = current(portal).filter(category="security")
    for item in security:
        services.item_update(actor=owner, item=item, status=ItemStatus.DONE)
    data = login(owner).get(url(portal, "api_project_readiness")).json()
    expected = selectors.project_readiness(project=portal)
    assert set(data) == {"overall", "categories", "tier", "tier_reasoning"}
    assert data["overall"] == {
        "percent": float(expected.overall.percent),
        "done": security.count(),
        "total": expected.overall.total,
        "not_applicable": 0,
        "level": None,
    }
    assert list(data["categories"]) == sorted(expected.categories)
    assert data["categories"]["security"]["percent"] == 100
    assert data["categories"]["security"]["level"] == "gold"
    assert data["tier"] == "small"
    assert "8,000 users" in data["tier_reasoning"]


def test_readiness_shows_an_overridden_tier_with_its_reason(owner, portal, login):
    project_services.project_set_tier(
        actor=owner, project=portal, tier="scale", reason="Enterprise launch"
    )
    data = login(owner).get(url(portal, "api_project_readiness")).json()
    assert (data["tier"], data["tier_reasoning"]) == ("scale", "Enterprise launch")


def test_who_may_read_readiness_and_history(
    assigned, acme_contact, unassigned, other_contact, portal, login
):
    for name in ("api_project_readiness", "api_project_readiness_history"):
        for member in (assigned, acme_contact):
            assert login(member).get(url(portal, name)).status_code == 200
        for member in (unassigned, other_contact):
            assert_error(login(member).get(url(portal, name)), 404)


def test_readiness_history_by_day_within_a_range(owner, portal, login):
    start = date(2030, 1, 1)
    for offset in range(5):
        services.readiness_refresh(project=portal, day=start + timedelta(days=offset))
    client = login(owner)
    history_url = url(portal, "api_project_readiness_history")
    response = client.get(history_url, {"since": "2030-01-02", "until": "2030-01-04"})
    days = [p["day"] for p in response.json()["results"]]
    assert days == ["2030-01-02", "2030-01-03", "2030-01-04"]
    point = response.json()["results"][0]
    assert point["overall"] == 0
    assert set(point["categories"]) >= {"security"}
    everything = client.get(history_url, {"page_size": 2}).json()
    assert len(everything["results"]) == 2
    assert everything["next"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2030-13-01"}, "until"),
        ({"since": "2030-02-01", "until": "2030-01-01"}, "until"),
    ],
)
def test_bad_history_range_is_a_400(owner, portal, login, query, field):
    response = login(owner).get(url(portal, "api_project_readiness_history"), query)
    assert_error(response, 400, "invalid", field)


# --- Query counts ---------------------------------------------------------------------------------


def _add_catalog_items(project, engineer, count: int) -> None:
    """`count` more items of the agency's own, assigned and with evidence, through the sync
    the services run (no shared catalog is loaded, so the list holds exactly these)."""
    agency = project.agency
    start = CatalogItem.objects.filter(agency=agency).count()
    for n in range(start, start + count):
        CatalogItem.objects.create(
            agency=agency,
            key=f"security.own-{n:03}",
            category="security",
            title=f"Own item {n}",
            guidance="Do it.",
            severity="high",
        )
    services.checklist_sync(project=project)
    for item in ProjectItem.objects.filter(project=project, assignee__isnull=True):
        services.item_update(actor=engineer, item=item, assignee=engineer)
        services.evidence_add(actor=engineer, item=item, note="done")


def test_item_list_query_count_is_pinned(owner, engineer, acme, login, django_assert_num_queries):
    project = project_services.project_create(actor=owner, client=acme, name="Lean")
    project_services.project_assign(actor=owner, project=project, member=engineer)
    client = login(engineer)
    items = items_url(project)
    _add_catalog_items(project, engineer, 1)
    client.get(items)  # warm the session and content-type caches
    # session, user, membership; the engagement with its agency and client
    # (access.get_project_scope); the page of items with assignees, users, catalog targets
    # and evidence counts
    with django_assert_num_queries(5):
        assert len(client.get(items).json()["results"]) == 1
    _add_catalog_items(project, engineer, 49)
    with django_assert_num_queries(5):
        assert len(client.get(items).json()["results"]) == 50
    with django_assert_num_queries(5):
        assert len(client.get(items, {"assignee": "me", "status": "open"}).json()["results"]) == 50


def test_readiness_history_query_count_is_pinned(
    owner, acme_contact, acme, login, django_assert_num_queries
):
    project = project_services.project_create(actor=owner, client=acme, name="Lean")
    client = login(acme_contact)
    history_url = url(project, "api_project_readiness_history")
    start = date(2030, 1, 1)

    def fill(first, count):
        for offset in range(first, first + count):
            services.readiness_refresh(project=project, day=start + timedelta(days=offset))

    fill(0, 1)
    client.get(history_url)
    # session, user, membership; the engagement with its agency and client; the page of
    # daily points
    with django_assert_num_queries(5):
        assert len(client.get(history_url).json()["results"]) == 1
    fill(1, 49)
    with django_assert_num_queries(5):
        assert len(client.get(history_url).json()["results"]) == 50
