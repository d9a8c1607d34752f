"""The scans API: list and start scans, read one, its findings (staff only) and what changed
since the previous one. Client contacts get counts and verdicts, never a path, line, snippet
or fingerprint; refusals and bad input queue nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from apps.agencies import services as agency_services
from apps.projects.models import Project
from apps.scans import services
from apps.scans.models import RepositoryAccess, Scan, ScanFinding
from tests.scans.helpers import (
    OPENAI,
    SECRET_PATH,
    STRIPE,
    add_findings,
    assign,
    contact_of,
    finished_scan,
)
from tests.support.api import assert_error, bearer

pytestmark = pytest.mark.django_db

LEAKS = (SECRET_PATH, "src/ai.ts", "package.json", "sk_live_", "sk-proj", "sha256:", '"line"')


def project_scans_url(project):
    return reverse("api_project_scans", args=[project.agency.slug, project.pk])


def scan_api_url(scan, name="api_scan"):
    return reverse(name, args=[scan.agency.slug, scan.pk])


# --- starting and listing ---------------------------------------------------------------------


def test_assigned_engineer_starts_a_scan_and_follows_it(leaky, owner, engineer, login, committing):
    repo_path, project = leaky
    assign(project, engineer, owner)
    client = login(engineer)
    response = committing(
        client.post,
        project_scans_url(project),
        {"repository_url": str(repo_path), "token": "ghp_Private0123456789abcd"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    scan = Scan.objects.get(project=project)
    assert body["id"] == str(scan.pk)
    assert body["status"] == "queued"  # the worker runs after the request's commit
    assert body["trigger"] == "api"
    assert "token" not in json.dumps(body)
    assert RepositoryAccess.objects.get(project=project).token_hint == "abcd"

    body = client.get(scan_api_url(scan)).json()
    assert body["status"] == "succeeded"
    assert len(body["commit_sha"]) == 40
    assert set(body["timings"]) == {"clone", "scan"}
    assert body["platform"]["id"] == "lovable"
    assert {"react-vite", "supabase"} <= {part["id"] for part in body["stack"]}
    summary = body["summary"]
    assert (
        summary["findings"]
        == ScanFinding.objects.filter(scan=scan).count()
        == body["finding_count"]
    )
    assert summary["by_severity"]["critical"] >= 1
    secrets = next(c for c in summary["by_category"] if c["category"] == "secrets")
    assert secrets["by_severity"]["critical"] >= 1
    verdicts = {v["key"]: v for v in body["checklist"]}
    assert verdicts["testing.unit-tests"]["status"] == "gap"
    assert "testing.tests-present" in verdicts["testing.unit-tests"]["failed_rules"]
    assert "findings" not in body
    assert STRIPE not in json.dumps(body)

    listing = client.get(project_scans_url(project)).json()
    assert [s["id"] for s in listing["results"]] == [str(scan.pk)]
    assert listing["results"][0]["finding_count"] == summary["findings"]


def test_a_scan_under_way_is_returned_with_200(
    scanned_project, owner, login, django_assert_num_queries
):
    project = scanned_project("https://example.com/acme/app.git")
    active = Scan.objects.create(agency=project.agency, project=project, repository_url="x")
    client = login(owner)
    response = client.post(project_scans_url(project), {}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["id"] == str(active.pk)
    assert Scan.objects.count() == 1
    # Session, user, membership, the engagement; then the service (the engagement locked,
    # the active scan, in a savepoint); the answer re-read through get_scan.
    with django_assert_num_queries(9):
        response = client.post(project_scans_url(project), {}, content_type="application/json")
    assert response.json()["id"] == str(active.pk)


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("http://github.com/acme/app.git", "Only https addresses"),
        ("ftp://github.com/acme/app.git", "Only https addresses"),
        ("https://ada:hunter22@github.com/acme/app.git", "Remove the user name or token"),
        ("garbage", "Only https addresses"),
        ("", "This field may not be blank."),
        ("https://" + "a" * 500 + ".com/x.git", "no more than 500 characters"),
    ],
)
def test_a_bad_address_is_a_400_naming_the_field_and_queues_nothing(
    scanned_project, owner, login, url, text
):
    project = scanned_project("https://example.com/acme/app.git")
    response = login(owner).post(
        project_scans_url(project),
        {"repository_url": url, "token": "ghp_NotSaved0123456789"},
        content_type="application/json",
    )
    assert_error(response, 400, code="invalid", field="repository_url", text=text)
    assert not Scan.objects.exists()
    assert not RepositoryAccess.objects.exists()
    assert Project.objects.get(pk=project.pk).repository_url == "https://example.com/acme/app.git"


def test_a_token_that_is_not_one_is_refused(scanned_project, owner, login):
    project = scanned_project("https://example.com/acme/app.git")
    response = login(owner).post(
        project_scans_url(project), {"token": "short"}, content_type="application/json"
    )
    assert_error(response, 400, field="token", text="does not look like an access token")
    assert not Scan.objects.exists()


def test_client_contact_gets_403_starting_a_scan(leaky, make_member, login):
    repo_path, project = leaky
    client = login(contact_of(project, make_member))
    before = Project.objects.filter(pk=project.pk).values().get()
    response = client.post(
        project_scans_url(project),
        {"repository_url": str(repo_path)},
        content_type="application/json",
    )
    assert_error(response, 403, code="permission_denied")
    assert not Scan.objects.exists()
    assert Project.objects.filter(pk=project.pk).values().get() == before


def test_unassigned_engineer_gets_404_for_every_scan_endpoint(
    leaky, owner, engineer, login, committing
):
    repo_path, project = leaky
    scan = committing(services.scan_request, project=project, actor=owner)
    client = login(engineer)
    assert_error(client.get(project_scans_url(project)), 404)
    response = client.post(
        project_scans_url(project),
        {"repository_url": str(repo_path)},
        content_type="application/json",
    )
    assert_error(response, 404)
    for name in ("api_scan", "api_scan_findings", "api_scan_diff"):
        assert_error(client.get(scan_api_url(scan, name)), 404)
    assert Scan.objects.count() == 1


# --- findings ---------------------------------------------------------------------------------


def test_staff_read_findings_with_file_line_and_redacted_snippet(rescanned, owner, login):
    _project, first, _ = rescanned
    client = login(owner)
    body = client.get(scan_api_url(first, "api_scan_findings")).json()
    results = body["results"]
    assert len(results) == ScanFinding.objects.filter(scan=first).count()
    stripe = next(f for f in results if f["rule_id"] == "secrets.stripe-key")
    assert (stripe["path"], stripe["line"], stripe["severity"]) == (SECRET_PATH, 2, "critical")
    assert stripe["snippet"].startswith("sk_live_…")
    assert stripe["fingerprint"].startswith("sha256:")
    assert STRIPE not in json.dumps(body)
    # In reading order: by category, then rule, file and line.
    assert [f["category"] for f in results] == sorted(f["category"] for f in results)

    critical = client.get(scan_api_url(first, "api_scan_findings"), {"severity": "critical"})
    assert {f["severity"] for f in critical.json()["results"]} == {"critical"}
    secrets = client.get(scan_api_url(first, "api_scan_findings"), {"category": "secrets"})
    assert {f["category"] for f in secrets.json()["results"]} == {"secrets"}
    page = client.get(scan_api_url(first, "api_scan_findings"), {"page_size": 2}).json()
    assert len(page["results"]) == 2
    rest = client.get(page["next"]).json()
    assert {f["id"] for f in page["results"]}.isdisjoint(f["id"] for f in rest["results"])


@pytest.mark.parametrize(
    ("params", "field"),
    [({"severity": "urgent"}, "severity"), ({"category": "nope"}, "category")],
)
def test_a_bad_filter_is_a_400(rescanned, owner, login, params, field):
    _, first, _ = rescanned
    response = login(owner).get(scan_api_url(first, "api_scan_findings"), params)
    assert_error(response, 400, field=field)


def test_client_contact_gets_403_for_findings_and_a_summary_elsewhere(
    rescanned, make_member, login
):
    project, first, second = rescanned
    client = login(contact_of(project, make_member))
    assert_error(client.get(scan_api_url(second, "api_scan_findings")), 403)
    for url in (
        scan_api_url(first),
        scan_api_url(second),
        scan_api_url(second, "api_scan_diff"),
        project_scans_url(project),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for leak in LEAKS:
            assert leak not in text, (url, leak)
    detail = client.get(scan_api_url(second)).json()
    assert detail["summary"]["findings"] > 0
    assert detail["platform"]["id"] == "lovable"
    assert detail["checklist"]
    diff = client.get(scan_api_url(second, "api_scan_diff")).json()
    assert "new" not in diff
    assert "fixed" not in diff
    assert diff["counts"]["new"] >= 1
    assert diff["counts"]["fixed"] >= 1
    assert diff["new_by_severity"]["critical"] >= 1


# --- compared with the previous scan --------------------------------------------------------------


def test_the_diff_lists_new_and_fixed_findings_for_staff(rescanned, owner, login):
    _, first, second = rescanned
    client = login(owner)
    body = client.get(scan_api_url(second, "api_scan_diff")).json()
    assert body["previous"]["id"] == str(first.pk)
    # The Stripe key left the tree but not its git history: rotate it (issue 14).
    new = {(f["rule_id"], f["path"]) for f in body["new"]}
    assert {path for _, path in new} == {"src/ai.ts", SECRET_PATH}
    assert ("secrets.in-history", SECRET_PATH) in new
    fixed = {(f["rule_id"], f["path"]) for f in body["fixed"]}
    assert ("secrets.stripe-key", SECRET_PATH) in fixed
    assert ("testing.tests-present", "") in fixed
    assert body["counts"] == {
        "new": len(body["new"]),
        "fixed": len(body["fixed"]),
        "unchanged": body["counts"]["unchanged"],
        # Issue 14 triage: nothing is triaged here, so every finding in both is still open.
        "still_open": body["counts"]["unchanged"],
        "triaged": 0,
    }
    assert body["counts"]["unchanged"] > 0
    assert OPENAI not in json.dumps(body)

    first_diff = client.get(scan_api_url(first, "api_scan_diff")).json()
    assert first_diff["previous"] is None
    assert first_diff["counts"]["fixed"] == 0


def test_the_diff_of_a_scan_that_has_not_succeeded_is_a_409(scanned_project, owner, login):
    project = scanned_project("https://example.com/acme/app.git")
    queued = Scan.objects.create(agency=project.agency, project=project, repository_url="x")
    response = login(owner).get(scan_api_url(queued, "api_scan_diff"))
    assert_error(response, 409, code="scan_not_succeeded", text="queued")
    body = login(owner).get(scan_api_url(queued)).json()
    assert body["status"] == "queued"
    assert body["summary"] is None


def test_a_token_of_another_agency_gets_404(rescanned, other_agency, make_member):
    _, first, _ = rescanned
    outsider = make_member(other_agency, "owner")
    _, raw = agency_services.api_token_create(actor=outsider, name="x", expires_in_days=7)
    client = bearer(raw)
    for name in ("api_scan", "api_scan_findings", "api_scan_diff"):
        assert_error(client.get(scan_api_url(first, name)), 404)


# --- query counts -------------------------------------------------------------------------------


# Issue 14 triage: +1 for the page's decisions (selectors.with_triage).
@pytest.mark.parametrize(("viewer", "expected"), [("owner", 6), ("engineer", 8)])
def test_findings_query_count_is_pinned_and_independent_of_their_number(
    viewer, expected, scanned_project, owner, engineer, login, django_assert_num_queries
):
    project = scanned_project("https://example.com/acme/app.git")
    member = owner if viewer == "owner" else assign(project, engineer, owner)
    client = login(member)
    scan = finished_scan(project, 1)
    url = scan_api_url(scan, "api_scan_findings")
    client.get(url)
    with django_assert_num_queries(expected):
        assert len(client.get(url).json()["results"]) == 1
    add_findings(scan, 49)
    with django_assert_num_queries(expected):
        assert len(client.get(url).json()["results"]) == 50


@pytest.mark.parametrize("viewer", ["owner", "engineer", "client"])
def test_scan_list_query_count_is_pinned_and_independent_of_the_scans(
    viewer, scanned_project, owner, engineer, make_member, login, django_assert_num_queries
):
    project = scanned_project("https://example.com/acme/app.git")
    member = {
        "owner": lambda: owner,
        "engineer": lambda: assign(project, engineer, owner),
        "client": lambda: contact_of(project, make_member),
    }[viewer]()
    client = login(member)
    previous = finished_scan(project, 1)
    url = project_scans_url(project)
    client.get(url)
    # session, user, membership; the engagement (access.get_project_scope); the page of scans
    with django_assert_num_queries(5):
        assert len(client.get(url).json()["results"]) == 1
    for _ in range(49):
        previous = finished_scan(project, 2, previous=previous)
    with django_assert_num_queries(5):
        assert len(client.get(url).json()["results"]) == 50


# Issue 14 triage: +1 for the triaged counts (selectors.triage_counts).
@pytest.mark.parametrize(("viewer", "expected"), [("owner", 6), ("client", 6)])
def test_scan_query_count_is_pinned_and_independent_of_the_findings(
    viewer, expected, scanned_project, owner, make_member, login, django_assert_num_queries
):
    project = scanned_project("https://example.com/acme/app.git")
    client = login(owner if viewer == "owner" else contact_of(project, make_member))
    scan = finished_scan(project, 1)
    client.get(scan_api_url(scan))
    with django_assert_num_queries(expected):
        assert client.get(scan_api_url(scan)).json()["summary"]["findings"] == 1
    add_findings(scan, 49)
    with django_assert_num_queries(expected):
        assert client.get(scan_api_url(scan)).json()["summary"]["findings"] == 50
