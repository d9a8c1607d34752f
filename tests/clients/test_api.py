"""The clients API: admins list, create, read and change clients; everyone else is refused,
and bad input is a 400 that changes nothing."""

import pytest
from django.urls import reverse

from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from apps.clients import services
from apps.clients.models import Client
from apps.projects import services as project_services
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.support.api import assert_error

pytestmark = pytest.mark.django_db


def list_url(agency):
    return reverse("api_clients", args=[agency.slug])


def detail_url(agency, client):
    return reverse("api_client", args=[agency.slug, getattr(client, "pk", client)])


def rows(agency):
    """Every client of the agency as stored, to prove a refused request changed nothing."""
    return list(Client.objects.for_agency(agency).order_by("pk").values())


def names(response):
    assert response.status_code == 200, response.content
    return [c["name"] for c in response.json()["results"]]


# --- Listing --------------------------------------------------------------------------------------


def test_list_is_alphabetical_without_archived_clients(agency, owner, login):
    ClientFactory(agency=agency, name="Zeta")
    ClientFactory(agency=agency, name="Acme")
    ClientFactory(agency=agency, name="Old", status=Client.Status.ARCHIVED)
    ClientFactory(agency=AgencyFactory(), name="Elsewhere")
    assert names(login(owner).get(list_url(agency))) == ["Acme", "Zeta"]


def test_list_rows_count_current_engagements(agency, owner, login):
    acme = ClientFactory(agency=agency, name="Acme")
    project_services.project_create(actor=owner, client=acme, name="Portal")
    archived = project_services.project_create(actor=owner, client=acme, name="Old site")
    project_services.project_archive(actor=owner, project=archived)
    row = login(owner).get(list_url(agency)).json()["results"][0]
    assert row["id"] == str(acme.pk)
    assert row["project_count"] == 1
    assert set(row) >= {"name", "website", "billing_email", "notes", "status", "created_at"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "archived"}, ["Old"]),
        ({"status": "prospect"}, ["Lead Co"]),
        ({"status": "all"}, ["Acme", "Lead Co", "Old"]),
        ({"search": "acm"}, ["Acme"]),
        ({"search": "pat@lead"}, ["Lead Co"]),
        ({"status": "", "search": ""}, ["Acme", "Lead Co"]),
    ],
)
def test_list_filters(agency, owner, login, query, expected):
    ClientFactory(agency=agency, name="Acme")
    lead = ClientFactory(agency=agency, name="Lead Co", status=Client.Status.PROSPECT)
    services.contact_create(actor=owner, client=lead, name="Pat", email="pat@lead.example")
    ClientFactory(agency=agency, name="Old", status=Client.Status.ARCHIVED)
    assert names(login(owner).get(list_url(agency), query)) == expected


def test_a_search_matching_several_contacts_keeps_the_engagement_count(agency, owner, login):
    acme = ClientFactory(agency=agency, name="Acme")
    for name in ("Portal", "Shop"):
        project_services.project_create(actor=owner, client=acme, name=name)
    for person in ("ann", "bob", "cat"):
        services.contact_create(actor=owner, client=acme, name=person, email=f"{person}@acme.test")
    rows = login(owner).get(list_url(agency), {"search": "acme"}).json()["results"]
    assert [(row["name"], row["project_count"]) for row in rows] == [("Acme", 2)]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "deleted"}, "status"), ({"search": "x" * 101}, "search")],
)
def test_bad_list_filters_are_a_400(agency, owner, login, query, field):
    assert_error(login(owner).get(list_url(agency), query), 400, "invalid", field)


def test_list_pages_by_cursor_without_repeats(agency, owner, login):
    for i in range(5):
        ClientFactory(agency=agency, name=f"Client {i}")
    client = login(owner)
    page = client.get(list_url(agency), {"page_size": 2}).json()
    seen = [c["name"] for c in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [c["name"] for c in page["results"]]
    assert seen == [f"Client {i}" for i in range(5)]


def test_admin_can_read_engineers_and_client_contacts_cannot(
    agency, admin_member, engineer, client_member, login
):
    acme = ClientFactory(agency=agency, name="Acme")
    client_member.client = acme
    client_member.save()
    assert login(admin_member).get(detail_url(agency, acme)).status_code == 200
    for member in (engineer, client_member):
        assert_error(login(member).get(list_url(agency)), 403, "permission_denied")
        assert_error(login(member).get(detail_url(agency, acme)), 403, "permission_denied")


# --- One client -----------------------------------------------------------------------------------


def test_detail(agency, owner, login):
    acme = ClientFactory(agency=agency, name="Acme", website="https://acme.example")
    data = login(owner).get(detail_url(agency, acme)).json()
    assert data["name"] == "Acme"
    assert data["website"] == "https://acme.example"
    assert data["status"] == "active"


def test_detail_of_a_missing_or_foreign_client_is_404(agency, owner, login):
    foreign = ClientFactory(agency=AgencyFactory())
    client = login(owner)
    assert_error(client.get(detail_url(agency, foreign)), 404, "not_found")
    assert_error(client.get(detail_url(agency, "0" * 8 + "-0000-4000-8000-" + "0" * 12)), 404)


# --- Creating -------------------------------------------------------------------------------------


def test_create(agency, admin_member, login):
    response = login(admin_member).post(
        list_url(agency),
        {
            "name": "  Acme Robotics ",
            "website": "https://acme.example",
            "billing_email": "billing@acme.example",
            "status": "prospect",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    client = Client.objects.get(pk=data["id"])
    assert client.agency == agency
    assert client.name == data["name"] == "Acme Robotics"
    assert data["status"] == "prospect"
    assert AuditEvent.objects.filter(verb=Verb.CLIENT_CREATED, target_id=str(client.pk)).exists()


def test_create_defaults_to_an_active_client(agency, owner, login):
    response = login(owner).post(
        list_url(agency), {"name": "Acme"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "active"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "n" * 161}, "name"),
        ({"name": "Acme", "website": "not a url"}, "website"),
        ({"name": "Acme", "website": "https://" + "a" * 300 + ".example"}, "website"),
        ({"name": "Acme", "billing_email": "nobody"}, "billing_email"),
        ({"name": "Acme", "notes": "n" * 5001}, "notes"),
        ({"name": "Acme", "status": "deleted"}, "status"),
        ({"name": ["Acme"]}, "name"),
    ],
)
def test_bad_create_is_a_400_with_field_errors(agency, owner, login, body, field):
    response = login(owner).post(list_url(agency), body, content_type="application/json")
    assert_error(response, 400, "invalid", field)
    assert not Client.objects.exists()


def test_duplicate_name_is_a_400(agency, owner, login):
    ClientFactory(agency=agency, name="Acme")
    before = rows(agency)
    response = login(owner).post(
        list_url(agency), {"name": "ACME"}, content_type="application/json"
    )
    assert_error(response, 400, "invalid", text="already exists")
    assert rows(agency) == before


def test_same_name_in_another_agency_is_fine(agency, owner, login):
    ClientFactory(agency=AgencyFactory(), name="Acme")
    response = login(owner).post(
        list_url(agency), {"name": "Acme"}, content_type="application/json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.CLIENT])
def test_only_admins_create_and_change_clients(agency, login, role):
    acme = ClientFactory(agency=agency, name="Acme")
    member = MembershipFactory(agency=agency, role=role)
    before = rows(agency)
    client = login(member)
    assert_error(
        client.post(list_url(agency), {"name": "New"}, content_type="application/json"),
        403,
        "permission_denied",
    )
    assert_error(
        client.patch(detail_url(agency, acme), {"name": "X"}, content_type="application/json"),
        403,
        "permission_denied",
    )
    assert rows(agency) == before


# --- Changing -------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(agency, owner, login):
    acme = ClientFactory(agency=agency, name="Acme", notes="Keep me")
    response = login(owner).patch(
        detail_url(agency, acme),
        {"website": "https://acme.example"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    acme.refresh_from_db()
    assert acme.website == "https://acme.example"
    assert acme.notes == "Keep me"
    assert response.json()["website"] == "https://acme.example"


def test_patch_archives_with_its_own_audit_verb(agency, owner, login):
    acme = ClientFactory(agency=agency, name="Acme")
    response = login(owner).patch(
        detail_url(agency, acme), {"status": "archived"}, content_type="application/json"
    )
    assert response.json()["status"] == "archived"
    assert AuditEvent.objects.filter(verb=Verb.CLIENT_ARCHIVED, target_id=str(acme.pk)).exists()
    assert names(login(owner).get(list_url(agency))) == []


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "n" * 161},
        {"status": "gone"},
        {"billing_email": "x"},
        {"name": "Taken"},
        {"notes": "n" * 5001},
    ],
)
def test_bad_patch_is_a_400_and_changes_nothing(agency, owner, login, body):
    acme = ClientFactory(agency=agency, name="Acme")
    ClientFactory(agency=agency, name="Taken")
    before = rows(agency)
    response = login(owner).patch(detail_url(agency, acme), body, content_type="application/json")
    assert_error(response, 400, "invalid")
    assert rows(agency) == before


def test_patch_of_a_foreign_client_is_404_and_changes_nothing(agency, owner, login):
    foreign = ClientFactory(agency=AgencyFactory(), name="Theirs")
    response = login(owner).patch(
        detail_url(agency, foreign), {"name": "Ours"}, content_type="application/json"
    )
    assert_error(response, 404)
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


# --- Query counts ---------------------------------------------------------------------------------


def test_list_query_count_is_pinned_and_independent_of_size(
    agency, owner, login, django_assert_num_queries
):
    client = login(owner)
    url = list_url(agency)

    def fill(n):
        for _ in range(n):
            acme = ClientFactory(agency=agency)
            project_services.project_create(actor=owner, client=acme, name="P")

    fill(1)
    client.get(url)  # warm the session and content-type caches
    # session, user, membership, the page of clients with their engagement counts
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 1
    fill(49)
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 50
