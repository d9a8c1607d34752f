"""The engagement page at real size (issue 13): the first groups' rows are drawn, the groups
past the row budget come closed with their counts and load their rows when opened (htmx),
or, without JavaScript, through a link that draws the page with that group. The page's
query count and the number of rows it draws do not grow with the checklist."""

import pytest
from django.urls import reverse

from apps.checklists.models import ItemStatus, ProjectItem
from apps.workspace.views import ROW_BUDGET
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist(portal, catalog):
    items = list(ProjectItem.objects.filter(project=portal).order_by("category", "key"))
    assert len(items) > 2 * ROW_BUDGET
    return items


def _page(client, project, **params):
    return client.get(reverse("project_detail", args=[project.agency.slug, project.pk]), params)


def _group_url(project, category):
    return reverse("checklist_group", args=[project.agency.slug, project.pk, category])


def test_groups_past_the_budget_come_closed_with_their_counts(assigned, portal, checklist, login):
    response = _page(login(assigned), portal)
    groups = response.context["groups"]
    drawn = [g for g in groups if not g.deferred]
    deferred = [g for g in groups if g.deferred]
    assert drawn
    assert deferred
    # Groups are drawn until the budget is reached; the one that crosses it is still whole.
    assert sum(g.count for g in drawn[:-1]) < ROW_BUDGET
    assert all(len(g.items) == g.count for g in drawn)
    assert all(g.items == [] for g in deferred)
    by_category = {}
    for item in checklist:
        by_category[item.category] = by_category.get(item.category, 0) + 1
    assert {g.key: g.count for g in groups} == by_category
    body = response.content.decode()
    assert body.count('name="items"') == sum(g.count for g in drawn)
    later = deferred[0]
    assert f'hx-get="{_group_url(portal, later.key)}"' in body
    assert f"Show the {later.count} {later.label} item" in body
    assert f"open={later.key}#group-{later.key}" in body


def test_opening_a_group_loads_all_its_rows_in_a_constant_number_of_queries(
    assigned, portal, checklist, login, django_assert_max_num_queries
):
    client = login(assigned)
    later = next(g for g in _page(client, portal).context["groups"] if g.deferred)
    url = _group_url(portal, later.key)
    client.get(url, HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(12):
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    wanted = [i for i in checklist if i.category == later.key]
    assert body.count('name="items"') == len(wanted)
    assert all(f'id="item-{i.pk}"' in body for i in wanted)
    assert "<html" not in body  # the rows, not a page
    assert "csrfmiddlewaretoken" in body  # each row's form still posts without JavaScript


def test_without_javascript_the_link_draws_the_page_with_that_group(
    assigned, portal, checklist, login
):
    client = login(assigned)
    later = next(g for g in _page(client, portal).context["groups"] if g.deferred)
    redirect = client.get(_group_url(portal, later.key), {"status": "todo"})
    assert redirect.status_code == 302
    assert f"open={later.key}" in redirect["Location"]
    assert "status=todo" in redirect["Location"]
    opened = _page(client, portal, open=later.key)
    group = next(g for g in opened.context["groups"] if g.key == later.key)
    assert not group.deferred
    assert len(group.items) == group.count


def test_a_group_keeps_the_pages_filters(assigned, portal, checklist, login):
    client = login(assigned)
    category = checklist[-1].category
    first = next(i for i in checklist if i.category == category)
    ProjectItem.objects.filter(pk=first.pk).update(status=ItemStatus.DONE)
    done = client.get(_group_url(portal, category), {"status": "done"}, HTTP_HX_REQUEST="true")
    assert done.content.decode().count('name="items"') == 1
    other = client.get(
        _group_url(portal, category), {"category": "no-such"}, HTTP_HX_REQUEST="true"
    )
    assert other.status_code == 200
    assert other.content.decode().count('name="items"') == len(
        [i for i in checklist if i.category == category]
    )  # an unknown category filter is ignored, as on the page
    mismatch = client.get(
        _group_url(portal, category),
        {"category": checklist[0].category},
        HTTP_HX_REQUEST="true",
    )
    assert "No item of this category matches the filters." in mismatch.content.decode()


def test_a_group_is_only_for_those_who_may_see_the_engagement(portal, checklist, login):
    outsider = MembershipFactory(agency=portal.agency, role="engineer")
    response = login(outsider).get(
        _group_url(portal, checklist[0].category), HTTP_HX_REQUEST="true"
    )
    assert response.status_code in (403, 404)
    assert 'name="items"' not in response.content.decode()
