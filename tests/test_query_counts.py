"""Pinned query counts: each list page costs the same number of SQL queries with 1 row as
with 50. A change that adds an N+1 or a new query makes these fail."""

import pytest
from django.urls import reverse

from apps.agencies import services
from apps.agencies.roles import Role
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.checklists import services as checklist_services
from apps.checklists.models import CatalogItem, ProjectItem
from apps.clients.services import client_create
from apps.projects import services as project_services
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _fill_team(agency, owner, rows: int) -> None:
    """rows members, invitations, tokens (the owner's) and audit events in the agency."""
    for i in range(rows):
        member = MembershipFactory(agency=agency, role=Role.ENGINEER if i % 2 else Role.CLIENT)
        InvitationFactory(agency=agency, invited_by=owner.user)
        services.api_token_create(actor=owner, name=f"t{i}", expires_in_days=7)
        audit_record(verb=Verb.MEMBER_JOINED, actor=member.user, agency=agency, target=member)


def _own_catalog(agency, owner, rows: int) -> None:
    """A catalog of exactly `rows` items of the agency's own (the shared one is not loaded),
    so an engagement's checklist has exactly that many rows."""
    existing = CatalogItem.objects.filter(agency=agency).count()
    CatalogItem.objects.bulk_create(
        CatalogItem(
            agency=agency,
            key=f"testing.item-{n}",
            category=("testing", "security", "deployment")[n % 3],
            title=f"Item {n}",
            guidance="Do it.",
            severity=("critical", "high", "medium", "low")[n % 4],
            level="bronze",
        )
        for n in range(existing, rows)
    )


@pytest.fixture
def engagement(agency, owner, engineer):
    """An engagement with a one-item checklist, the engineer assigned and owning the item."""
    _own_catalog(agency, owner, 1)
    client = client_create(actor=owner, name="Acme")
    project = project_services.project_create(actor=owner, client=client, name="Portal")
    project_services.project_assign(actor=owner, project=project, member=engineer)
    return project


def _grow_checklist(project, owner, engineer, rows):
    _own_catalog(project.agency, owner, rows)
    checklist_services.checklist_sync(project=project)
    items = ProjectItem.objects.filter(project=project)
    for item in items:
        checklist_services.item_update(
            actor=owner, item=item, status="in_progress", assignee=engineer,
            due_date=project.created_at.date(),
        )  # fmt: skip
    assert items.count() == rows


def _grow_projects(project, owner, engineer, rows):
    for n in range(rows - 1):
        extra = project_services.project_create(
            actor=owner, client=project.client, name=f"Portal {n}"
        )
        project_services.project_assign(actor=owner, project=extra, member=engineer)


def _grow_team(project, owner, engineer, rows):
    _fill_team(project.agency, owner, rows - 1)


# name: (URL name, viewer, how to grow from 1 row to 50, expected queries)
PAGES = {
    "dashboard": ("dashboard", "owner", _grow_projects, 10),
    "dashboard_engineer": ("dashboard", "engineer", _grow_projects, 10),
    "projects": ("projects", "owner", _grow_projects, 6),
    # The bulk bar's assignee choices are one query of their own (issue 13), and so are the
    # groups' counts: whole rows are read only for the groups the page draws.
    "engagement": ("project_detail", "owner", _grow_checklist, 15),
    "engagement_engineer": ("project_detail", "engineer", _grow_checklist, 16),
    "report": ("project_report", "owner", _grow_checklist, 7),
    "export": ("project_export", "owner", _grow_checklist, 5),
    "my_work": ("my_work", "engineer", _grow_checklist, 5),
    "members": ("members", "owner", _grow_team, 5),
    "invitations": ("invitations", "owner", _grow_team, 5),
    "api_tokens": ("api_tokens", "owner", _grow_team, 5),
    "audit_log": ("audit_log", "owner", _grow_team, 6),
    "clients": ("clients", "owner", _grow_projects, 5),
    "api_members": ("api_members", "owner", _grow_team, 4),
    "api_invitations": ("api_invitations", "owner", _grow_team, 4),
}


def _url(name: str, project) -> str:
    of_project = name in ("project_detail", "project_report", "project_export")
    args = [project.agency.slug, project.pk] if of_project else [project.agency.slug]
    return reverse(name, args=args) + ("?status=all" if name == "invitations" else "")


@pytest.mark.parametrize("name", list(PAGES))
def test_query_count_is_pinned_and_independent_of_list_size(
    name, engagement, owner, engineer, login, django_assert_num_queries
):
    url_name, viewer, grow, expected = PAGES[name]
    client = login(owner if viewer == "owner" else engineer)
    url = _url(url_name, engagement)
    _fill_team(engagement.agency, owner, 1) if grow is _grow_team else None
    client.get(url)  # warm the session and content-type caches
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    grow(engagement, owner, engineer, 50)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
