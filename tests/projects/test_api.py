"""The engagements API: list and create, read and change the profile, set the tier, assign
engineers. Each member sees what the selectors let them see; only admins write; bad input is
a 400 that changes nothing."""

import pytest
from django.urls import reverse

from apps.agencies.roles import Role
from apps.checklists.models import ProjectItem
from apps.projects import services
from apps.projects.models import Activity, Assignment, Project
from apps.projects.permissions import can_work_on
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.support.api import assert_error

pytestmark = pytest.mark.django_db

MISSING = "00000000-0000-4000-8000-000000000000"


def projects_url(agency):
    return reverse("api_projects", args=[agency.slug])


def project_url(project, name="api_project"):
    return reverse(name, args=[project.agency.slug, project.pk])


def assignment_url(assignment):
    project = assignment.project
    return reverse("api_project_assignment", args=[project.agency.slug, project.pk, assignment.pk])


def stored(project):
    """The engagement row and its checklist as stored, to prove a refusal changed nothing."""
    return (
        Project.objects.filter(pk=project.pk).values().get(),
        sorted(ProjectItem.objects.filter(project=project).values_list("key", "retired_at")),
        Assignment.objects.filter(project=project).count(),
    )


def ids(response):
    assert response.status_code == 200, response.content
    return [p["id"] for p in response.json()["results"]]


# --- Listing --------------------------------------------------------------------------------------


def test_each_role_lists_the_engagements_it_may_see(
    agency, owner, admin_member, engineer, acme_contact, other_contact, make_project, login
):
    globex = other_contact.client
    mine = make_project(name="Assigned")
    other = make_project(name="Not assigned")
    theirs = make_project(name="Globex app", client=globex)
    services.project_assign(actor=owner, project=mine, member=engineer)
    everything = {str(p.pk) for p in (mine, other, theirs)}
    assert set(ids(login(admin_member).get(projects_url(agency)))) == everything
    assert ids(login(engineer).get(projects_url(agency))) == [str(mine.pk)]
    assert set(ids(login(acme_contact).get(projects_url(agency)))) == {str(mine.pk), str(other.pk)}
    assert ids(login(other_contact).get(projects_url(agency))) == [str(theirs.pk)]


def test_list_rows(agency, owner, portal, login):
    row = login(owner).get(projects_url(agency)).json()["results"][0]
    open_items = ProjectItem.objects.filter(project=portal).open().count()
    assert row["id"] == str(portal.pk)
    assert row["client"] == {"id": str(portal.client_id), "name": "Acme"}
    assert row["tier"] == "small"
    assert row["open_items"] == open_items > 0
    assert row["readiness"] == 0
    assert row["stage"] == "discovery"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"stage": "migration"}, ["Moving"]),
        ({"search": "globex"}, ["Globex app"]),
        ({"search": "mov"}, ["Moving"]),
        ({"archived": "true"}, ["Archived"]),
        ({"archived": "false", "stage": ""}, ["Globex app", "Moving", "Starting"]),
    ],
)
def test_list_filters(agency, owner, make_project, login, query, expected):
    make_project(name="Starting")
    make_project(name="Moving", stage="migration")
    make_project(name="Globex app", client=ClientFactory(agency=agency, name="Globex"))
    services.project_archive(actor=owner, project=make_project(name="Archived"))
    response = login(owner).get(projects_url(agency), query)
    assert sorted(p["name"] for p in response.json()["results"]) == expected


def test_list_filters_by_client(agency, owner, make_project, acme, login):
    mine = make_project()
    make_project(client=ClientFactory(agency=agency, name="Globex"))
    assert ids(login(owner).get(projects_url(agency), {"client": acme.pk})) == [str(mine.pk)]
    foreign = ClientFactory(agency=AgencyFactory())
    assert ids(login(owner).get(projects_url(agency), {"client": foreign.pk})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"stage": "done"}, "stage"),
        ({"client": "not-a-uuid"}, "client"),
        ({"archived": "maybe"}, "archived"),
        ({"search": "x" * 101}, "search"),
    ],
)
def test_bad_list_filters_are_a_400(agency, owner, login, query, field):
    assert_error(login(owner).get(projects_url(agency), query), 400, "invalid", field)


def test_list_pages_by_cursor_newest_first(agency, owner, make_project, login):
    made = [make_project(name=f"P{i}") for i in range(5)]
    client = login(owner)
    page = client.get(projects_url(agency), {"page_size": 2}).json()
    seen = [p["id"] for p in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [p["id"] for p in page["results"]]
    assert seen == [str(p.pk) for p in reversed(made)]


# --- One engagement -------------------------------------------------------------------------------


def test_detail_has_the_profile_the_tier_and_the_team(agency, owner, assigned, portal, login):
    data = login(owner).get(project_url(portal)).json()
    assert data["name"] == "Acme portal"
    assert data["source_platform"] == "lovable"
    assert data["users_in_a_year"] == 8000
    assert data["tier"] == data["recommended_tier"] == "small"
    assert data["tier_override"] == ""
    assert "8,000 users" in data["tier_reasoning"]
    assert [a["member"]["id"] for a in data["assignments"]] == [str(assigned.pk)]
    assert data["assignments"][0]["member"]["user"]["email"] == assigned.user.email
    assert data["environments"] == []


def test_who_may_read_an_engagement(
    admin_member,
    engineer,
    assigned,
    acme_contact,
    other_contact,
    make_member,
    agency,
    portal,
    login,
):
    unassigned = make_member(agency, Role.ENGINEER)
    for member in (admin_member, assigned, acme_contact):
        assert login(member).get(project_url(portal)).status_code == 200, member.role
    for member in (unassigned, other_contact):
        assert_error(login(member).get(project_url(portal)), 404, "not_found")


def test_missing_and_foreign_engagements_are_404(agency, owner, login, catalog):
    other = MembershipFactory(agency=AgencyFactory(), role=Role.OWNER)
    foreign = services.project_create(
        actor=other, client=ClientFactory(agency=other.agency), name="Theirs"
    )
    client = login(owner)
    assert_error(client.get(reverse("api_project", args=[agency.slug, foreign.pk])), 404)
    assert_error(client.get(reverse("api_project", args=[agency.slug, MISSING])), 404)


# --- Creating -------------------------------------------------------------------------------------


def test_create_builds_the_checklist(agency, admin_member, acme, catalog, login):
    response = login(admin_member).post(
        projects_url(agency),
        {
            "client": str(acme.pk),
            "name": "Acme portal",
            "source_platform": "lovable",
            "repository_url": "https://github.com/acme/portal",
            "stack": ["React", " Supabase "],
            "users_at_launch": 2000,
            "users_in_a_year": 25000,
            "compliance": ["gdpr"],
            "stage": "discovery",
            "target_launch": "2030-03-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    project = Project.objects.get(pk=data["id"])
    assert project.agency == agency
    assert data["client"]["id"] == str(acme.pk)
    assert data["tier"] == "growth"
    assert data["stack"] == ["React", "Supabase"]
    assert data["compliance"] == ["gdpr"]
    assert data["target_launch"] == "2030-03-01"
    keys = set(ProjectItem.objects.filter(project=project).values_list("key", flat=True))
    assert any(k.startswith("compliance.gdpr") for k in keys)
    assert Activity.objects.filter(project=project, kind=Activity.Kind.PROJECT_CREATED).exists()


def test_create_needs_only_a_client_and_a_name(agency, owner, acme, catalog, login):
    response = login(owner).post(
        projects_url(agency),
        {"client": str(acme.pk), "name": "Bare"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["stage"] == "discovery"


def _bad_bodies(foreign_client_id):
    return [
        ({"client": None}, "client"),
        ({"client": foreign_client_id, "name": "Theirs"}, "client"),
        ({"client": "not-a-uuid", "name": "x"}, "client"),
        ({"client": MISSING, "name": "x"}, "client"),
        ({"name": ""}, "name"),
        ({"name": "n" * 161}, "name"),
        ({"stage": "shipped"}, "stage"),
        ({"source_platform": "wix"}, "source_platform"),
        ({"compliance": ["gdpr", "iso27001"]}, "compliance"),
        ({"compliance": "gdpr"}, "compliance"),
        ({"users_at_launch": -1}, "users_at_launch"),
        ({"users_in_a_year": 10**11}, "users_in_a_year"),
        ({"users_in_a_year": "lots"}, "users_in_a_year"),
        ({"stack": ["x" * 41]}, "stack"),
        ({"stack": [f"t{i}" for i in range(21)]}, "stack"),
        ({"repository_url": "ftp:/nope"}, "repository_url"),
        ({"repository_url": "https://example.com/" + "r" * 500}, "repository_url"),
        ({"description": "d" * 5001}, "description"),
        ({"target_launch": "next spring"}, "target_launch"),
        ({"target_launch": "2030-02-30"}, "target_launch"),
    ]


@pytest.mark.parametrize("case", range(len(_bad_bodies(""))))
def test_bad_create_is_a_400_with_field_errors_and_creates_nothing(
    agency, owner, acme, login, case
):
    foreign = ClientFactory(agency=AgencyFactory())
    changes, field = _bad_bodies(str(foreign.pk))[case]
    body = {"client": str(acme.pk), "name": "Acme portal", **changes}
    response = login(owner).post(projects_url(agency), body, content_type="application/json")
    assert_error(response, 400, "invalid", field)
    assert not Project.objects.exists()
    assert not ProjectItem.objects.exists()


def test_create_without_a_client_is_a_400(agency, owner, catalog, login):
    response = login(owner).post(
        projects_url(agency), {"name": "X"}, content_type="application/json"
    )
    assert_error(response, 400, "invalid", "client", "required")
    assert not Project.objects.exists()


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.CLIENT])
def test_only_admins_create(agency, acme, login, role, catalog):
    member = MembershipFactory(agency=agency, role=role)
    response = login(member).post(
        projects_url(agency), {"client": str(acme.pk), "name": "X"}, content_type="application/json"
    )
    assert_error(response, 403, "permission_denied")
    assert not Project.objects.exists()


# --- Changing the profile -------------------------------------------------------------------------


def test_patch_changes_the_profile_and_the_checklist_follows(owner, portal, login):
    response = login(owner).patch(
        project_url(portal),
        {"stage": "migration", "compliance": ["hipaa"], "users_in_a_year": 150000},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["stage"] == "migration"
    assert data["compliance"] == ["hipaa"]
    assert data["tier"] == "scale"
    assert data["name"] == "Acme portal"
    current = ProjectItem.objects.filter(project=portal).current()
    assert current.filter(key__startswith="compliance.hipaa").exists()
    assert Activity.objects.filter(project=portal, field="stage").exists()


def test_patch_moves_the_engagement_to_another_client(agency, owner, portal, login):
    globex = ClientFactory(agency=agency, name="Globex")
    response = login(owner).patch(
        project_url(portal), {"client": str(globex.pk)}, content_type="application/json"
    )
    assert response.json()["client"] == {"id": str(globex.pk), "name": "Globex"}


@pytest.mark.parametrize("case", range(len(_bad_bodies(""))))
def test_bad_patch_is_a_400_and_changes_nothing(owner, portal, login, case):
    foreign = ClientFactory(agency=AgencyFactory())
    body, field = _bad_bodies(str(foreign.pk))[case]
    before = stored(portal)
    response = login(owner).patch(project_url(portal), body, content_type="application/json")
    assert_error(response, 400, "invalid", field)
    assert stored(portal) == before


def test_engineers_and_contacts_cannot_change_an_engagement(assigned, acme_contact, portal, login):
    before = stored(portal)
    for member in (assigned, acme_contact):
        client = login(member)
        response = client.patch(project_url(portal), {"name": "X"}, content_type="application/json")
        assert_error(response, 403, "permission_denied")
        response = client.put(
            project_url(portal, "api_project_tier"),
            {"tier": "scale", "reason": "Because"},
            content_type="application/json",
        )
        assert_error(response, 403, "permission_denied")
    assert stored(portal) == before


def test_patch_of_a_foreign_engagement_is_404(agency, owner, login, catalog):
    other = MembershipFactory(agency=AgencyFactory(), role=Role.OWNER)
    foreign = services.project_create(
        actor=other, client=ClientFactory(agency=other.agency), name="Theirs"
    )
    response = login(owner).patch(
        reverse("api_project", args=[agency.slug, foreign.pk]),
        {"name": "Ours"},
        content_type="application/json",
    )
    assert_error(response, 404)
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


# --- The tier -------------------------------------------------------------------------------------


def test_set_and_clear_the_tier(owner, portal, login):
    client = login(owner)
    url = project_url(portal, "api_project_tier")
    response = client.put(
        url, {"tier": "growth", "reason": "A launch campaign"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["tier"], data["recommended_tier"], data["tier_override"]) == (
        "growth",
        "small",
        "growth",
    )
    assert data["tier_reasoning"] == "A launch campaign"
    assert data["tier_overridden_by"]["email"] == owner.user.email
    growth_keys = ProjectItem.objects.filter(project=portal).current().count()

    response = client.put(url, {"tier": ""}, content_type="application/json")
    data = response.json()
    assert (data["tier"], data["tier_override"], data["tier_override_reason"]) == ("small", "", "")
    assert data["tier_overridden_by"] is None
    assert ProjectItem.objects.filter(project=portal).current().count() != growth_keys


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tier": "huge", "reason": "x"}, "tier"),
        ({"reason": "x"}, "tier"),
        ({"tier": "growth"}, "reason"),
        ({"tier": "growth", "reason": "   "}, "reason"),
        ({"tier": "growth", "reason": "r" * 501}, "reason"),
    ],
)
def test_bad_tier_is_a_400_and_changes_nothing(owner, portal, login, body, field):
    before = stored(portal)
    response = login(owner).put(
        project_url(portal, "api_project_tier"), body, content_type="application/json"
    )
    assert_error(response, 400, "invalid", field)
    assert stored(portal) == before


# --- Assignments ----------------------------------------------------------------------------------


def test_assign_list_and_unassign(agency, owner, engineer, portal, login):
    client = login(owner)
    url = project_url(portal, "api_project_assignments")
    assert_error(login(engineer).get(project_url(portal)), 404)

    response = client.post(url, {"member": str(engineer.pk)}, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["member"]["id"] == str(engineer.pk)
    assert created["assigned_by"]["email"] == owner.user.email
    assert login(engineer).get(project_url(portal)).status_code == 200
    listing = client.get(url).json()["results"]
    assert [a["id"] for a in listing] == [created["id"]]

    assignment = Assignment.objects.get(pk=created["id"])
    assert client.delete(assignment_url(assignment)).status_code == 204
    assert not Assignment.objects.filter(project=portal).exists()
    engineer.refresh_from_db()
    assert not can_work_on(engineer, portal)
    assert_error(login(engineer).get(project_url(portal)), 404)


def test_assignments_are_listed_for_whoever_can_see_the_engagement(
    assigned, acme_contact, other_contact, portal, login
):
    url = project_url(portal, "api_project_assignments")
    for member in (assigned, acme_contact):
        assert [a["member"]["id"] for a in login(member).get(url).json()["results"]] == [
            str(assigned.pk)
        ]
    assert_error(login(other_contact).get(url), 404)


@pytest.mark.parametrize(
    ("who", "text"),
    [
        ("foreign", "Invalid pk"),
        ("missing", "Invalid pk"),
        ("malformed", "valid UUID"),
        ("client", "Only engineers and admins"),
        # services.project_assign's full_clean() reports this one as a non-field error.
        ("twice", "already assigned"),
        ("nobody", "required"),
    ],
)
def test_bad_assignment_is_a_400_and_changes_nothing(
    agency, owner, assigned, acme_contact, portal, login, who, text
):
    member_id = {
        "foreign": str(MembershipFactory(agency=AgencyFactory(), role=Role.ENGINEER).pk),
        "missing": MISSING,
        "malformed": "42",
        "client": str(acme_contact.pk),
        "twice": str(assigned.pk),
        "nobody": None,
    }[who]
    body = {"member": member_id} if member_id else {}
    before = stored(portal)
    response = login(owner).post(
        project_url(portal, "api_project_assignments"), body, content_type="application/json"
    )
    assert_error(response, 400, "invalid", None if who == "twice" else "member", text)
    assert stored(portal) == before


def test_only_admins_assign_and_unassign(
    agency, assigned, acme_contact, make_member, portal, login
):
    newcomer = make_member(agency, Role.ENGINEER)
    assignment = Assignment.objects.get(project=portal)
    before = stored(portal)
    for member in (assigned, acme_contact):
        client = login(member)
        response = client.post(
            project_url(portal, "api_project_assignments"),
            {"member": str(newcomer.pk)},
            content_type="application/json",
        )
        assert_error(response, 403, "permission_denied")
        assert_error(client.delete(assignment_url(assignment)), 403, "permission_denied")
    assert stored(portal) == before


def test_unassigning_an_assignment_of_another_engagement_is_404(
    owner, assigned, make_project, portal, login
):
    other = make_project(name="Other")
    assignment = Assignment.objects.get(project=portal)
    url = reverse("api_project_assignment", args=[other.agency.slug, other.pk, assignment.pk])
    assert_error(login(owner).delete(url), 404)
    missing = reverse("api_project_assignment", args=[portal.agency.slug, portal.pk, MISSING])
    assert_error(login(owner).delete(missing), 404)
    assert Assignment.objects.filter(pk=assignment.pk).exists()


# --- Query counts ---------------------------------------------------------------------------------


def test_project_list_query_count_is_pinned(agency, owner, acme, login, django_assert_num_queries):
    client = login(owner)
    url = projects_url(agency)

    def fill(n):
        # No catalog loaded: engagements without checklists are cheap to make in bulk.
        for i in range(n):
            services.project_create(actor=owner, client=acme, name=f"P{i}")

    fill(1)
    client.get(url)  # warm the session and content-type caches
    # session, user, membership, the page of engagements with clients and open-item counts
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 1
    fill(49)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 50


def test_project_list_query_count_for_an_engineer(
    agency, owner, engineer, acme, login, django_assert_num_queries
):
    client = login(engineer)
    url = projects_url(agency)

    def fill(n):
        for i in range(n):
            project = services.project_create(actor=owner, client=acme, name=f"P{i}")
            services.project_assign(actor=owner, project=project, member=engineer)

    fill(1)
    client.get(url)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 1
    fill(49)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 50


def test_assignment_list_query_count_is_pinned(
    agency, owner, acme, make_member, login, django_assert_num_queries
):
    project = services.project_create(actor=owner, client=acme, name="Big team")
    client = login(owner)
    url = project_url(project, "api_project_assignments")

    def fill(n):
        for _ in range(n):
            services.project_assign(actor=owner, project=project, member=make_member(agency))

    fill(1)
    client.get(url)
    # session, user, membership; the engagement as a scope (access.get_project_scope, with
    # its agency and client); the page of assignments with members and users
    with django_assert_num_queries(5):
        assert len(client.get(url).json()["results"]) == 1
    fill(49)
    with django_assert_num_queries(5):
        assert len(client.get(url).json()["results"]) == 50


# --- The OpenAPI document ---------------------------------------------------------------------

ENGAGEMENT_PATHS = {
    "/clients/": {"get", "post"},
    "/clients/{client_id}/": {"get", "patch"},
    "/projects/": {"get", "post"},
    "/projects/{project_id}/": {"get", "patch"},
    "/projects/{project_id}/tier/": {"put"},
    "/projects/{project_id}/assignments/": {"get", "post"},
    "/projects/{project_id}/assignments/{assignment_id}/": {"delete"},
    "/projects/{project_id}/items/": {"get"},
    "/projects/{project_id}/items/{item_id}/": {"get", "patch"},
    "/projects/{project_id}/readiness/": {"get"},
    "/projects/{project_id}/readiness/history/": {"get"},
}


def test_every_engagement_endpoint_is_documented_with_examples_for_writes(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    prefix = "/api/v1/agencies/{agency_slug}"
    for path, methods in ENGAGEMENT_PATHS.items():
        operations = schema["paths"][prefix + path]
        assert methods <= set(operations), path
        for method in methods & {"post", "put", "patch"}:
            body = operations[method]["requestBody"]["content"]["application/json"]
            assert body.get("examples"), f"{method.upper()} {path} has no example"
    item_filters = {
        p["name"]
        for p in schema["paths"][prefix + "/projects/{project_id}/items/"]["get"]["parameters"]
    }
    assert {"category", "status", "severity", "assignee", "cursor"} <= item_filters
