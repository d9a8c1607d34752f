"""The scan pages through the browser's eyes (Django's test client): start a scan of a real
local repository, read its findings grouped by category and severity, rescan and see what is
new and fixed, watch the progress panel poll and stop, set the rescan schedule. Client
contacts get the summary without a path, line or snippet; bad input changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.projects.models import Project
from apps.scans.models import RepositoryAccess, Scan
from tests.scans.helpers import (
    OPENAI,
    SECRET_PATH,
    STRIPE,
    add_findings,
    assign,
    contact_of,
    finished_scan,
)

pytestmark = [pytest.mark.django_db]


def scans_url(project):
    return reverse("project_scans", args=[project.agency.slug, project.pk])


def scan_url(scan, name="scan_detail"):
    return reverse(name, args=[scan.agency.slug, scan.pk])


# --- starting a scan and reading it -----------------------------------------------------------


def test_assigned_engineer_starts_a_scan_and_reads_findings_grouped_with_file_and_line(
    leaky, owner, engineer, login, committing
):
    repo_path, project = leaky
    assign(project, engineer, owner)
    client = login(engineer)
    page = client.get(scans_url(project)).content.decode()
    assert f'value="{repo_path}"' in page  # prefilled from the engagement
    assert "No scan yet" in page

    response = committing(client.post, scans_url(project), {"repository_url": str(repo_path)})
    scan = Scan.objects.get(project=project)
    assert response.status_code == 302
    assert response["Location"] == scan_url(scan)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.SUCCEEDED
    assert scan.requested_by == engineer.user

    page = client.get(scan_url(scan)).content.decode()
    assert "What the scan found" in page
    assert "Lovable" in page
    assert "React (Vite)" in page
    assert "Supabase" in page
    # Grouped by category, most severe first inside each; file and line on every finding.
    assert page.index('id="cat-testing"') < page.index('id="cat-secrets"')
    assert f"{SECRET_PATH}:2" in page
    assert "package.json:1" in page
    assert "sk_live_…" in page  # the redacted snippet
    assert STRIPE not in page
    assert STRIPE[-12:] not in page
    # The checklist verdicts link to the engagement's items.
    gap = project.checklist_items.get(key="testing.unit-tests")
    assert f"/items/{gap.pk}/" in page
    assert "first successful scan" in page
    assert 'hx-trigger="every 2s"' not in page

    listing = client.get(scans_url(project)).content.decode()
    assert scan.commit_sha[:8] in listing
    assert escape(engineer.user.display_name) in listing
    assert str(scan.report["summary"]["findings_by_severity"]["critical"]) in listing


def test_rescan_shows_what_is_new_and_what_is_fixed(rescanned, owner, login):
    _project, first, second = rescanned
    assert second.previous == first
    page = login(owner).get(scan_url(second)).content.decode()
    assert "Compared with the previous scan" in page
    compare = page[page.index('id="compare"') :]
    new = compare[compare.index('id="new-title"') : compare.index('id="fixed-title"')]
    fixed = compare[compare.index('id="fixed-title"') :]
    assert "src/ai.ts:1" in new
    # Gone from the tree, the Stripe key is still in git history: new as "rotate it" (issue 14).
    assert "still in history: rotate it" in new
    assert f"{SECRET_PATH}:2" in new
    assert f"{SECRET_PATH}:2" in fixed  # the Stripe key, gone
    assert "No test files" in fixed
    assert OPENAI not in page
    assert STRIPE not in page
    assert scan_url(first) in compare  # a link to the scan it is compared with


def test_a_failed_attempt_does_not_hide_the_last_good_scan(leaky, owner, login, committing):
    from apps.scans import services

    _, project = leaky
    good = committing(services.scan_request, project=project, actor=owner)
    good.refresh_from_db()
    assert good.status == Scan.Status.SUCCEEDED
    failed = Scan.objects.create(
        agency=project.agency, project=project, repository_url=project.repository_url,
        status=Scan.Status.FAILED, failure_reason="The repository's host did not answer.",
        requested_by=owner.user,
    )  # fmt: skip
    html = (
        login(owner)
        .get(reverse("project_detail", args=[project.agency.slug, project.pk]))
        .content.decode()
    )
    assert "did not answer" in html  # the failed attempt is the latest
    assert scan_url(failed) in html
    assert "Last complete scan" in html
    assert scan_url(good) in html
    for severity, number in good.report["summary"]["findings_by_severity"].items():
        assert f'sev--{severity}">{severity.title()}</span> {number}</li>' in html


def test_engagement_page_shows_the_latest_scan_and_the_checklist_gaps(
    leaky, owner, login, committing
):
    from apps.scans import services

    _, project = leaky
    client = login(owner)
    page = client.get(reverse("project_detail", args=[project.agency.slug, project.pk]))
    assert "Repository scan" in page.content.decode()
    assert "Scan now" in page.content.decode()
    scan = committing(services.scan_request, project=project, actor=owner)
    page = client.get(reverse("project_detail", args=[project.agency.slug, project.pk]))
    html = page.content.decode()
    assert scan_url(scan) in html
    scan.refresh_from_db()
    for severity, number in scan.report["summary"]["findings_by_severity"].items():
        assert f'sev--{severity}">{severity.title()}</span> {number}</li>' in html
    assert "See the results" in html
    assert "Scan again" in html
    assert "Gap found by scan" in html
    gap = project.checklist_items.get(key="testing.unit-tests")
    assert gap.scan_gap
    # Its group may come closed (past the page's row budget): its header counts the gaps,
    # and opened, the row says what the scan found.
    testing = next(g for g in page.context["groups"] if g.key == "testing")
    assert testing.gaps >= 1
    assert f"{testing.gaps} gap{'s' if testing.gaps > 1 else ''} found by scan" in html
    opened = client.get(
        reverse("project_detail", args=[project.agency.slug, project.pk]), {"open": "testing"}
    ).content.decode()
    assert gap.scan_gap in opened
    item = client.get(
        reverse("item_detail", args=[project.agency.slug, project.pk, gap.pk])
    ).content.decode()
    assert "Gap found by scan:" in item
    assert gap.scan_gap in item


def test_a_failed_scan_says_why(repo, scanned_project, owner, login, committing, tmp_path):
    from apps.scans import services

    project = scanned_project(str(tmp_path / "nowhere"))
    scan = committing(services.scan_request, project=project, actor=owner)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.FAILED
    page = login(owner).get(scan_url(scan)).content.decode()
    assert "The scan did not finish" in page
    assert "No repository at" in page
    assert 'hx-trigger="every 2s"' not in page
    assert f"{scans_url(project)}#start" in page


# --- progress -----------------------------------------------------------------------------------


def test_progress_panel_polls_while_queued_or_running_and_stops_when_finished(
    scanned_project, owner, login
):
    project = scanned_project("https://example.com/acme/app.git")
    scan = Scan.objects.create(agency=project.agency, project=project, repository_url="x")
    client = login(owner)
    for url in (scan_url(scan), scan_url(scan, "scan_progress")):
        html = client.get(url).content.decode()
        assert 'hx-trigger="every 2s"' in html
        assert f'hx-get="{scan_url(scan, "scan_progress")}"' in html
        assert "Waiting for a worker" in html
        assert f'href="{scan_url(scan)}">Refresh</a>' in html  # without JavaScript
        assert "http-equiv" not in html
    partial = client.get(scan_url(scan, "scan_progress")).content.decode()
    assert "<html" not in partial
    assert partial.lstrip().startswith('<div id="scan-body"')

    Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.RUNNING, started_at=timezone.now())
    html = client.get(scan_url(scan, "scan_progress"), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "Cloning and scanning" in html

    Scan.objects.filter(pk=scan.pk).delete()
    done = finished_scan(project, 3)
    html = client.get(scan_url(done, "scan_progress"), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html
    assert "hx-get" not in html
    assert "What the scan found" in html
    assert "src/file_0.ts:1" in html


# --- client contacts ------------------------------------------------------------------------


def test_client_contact_sees_the_summary_without_paths_lines_or_snippets(
    rescanned, make_member, login
):
    project, first, second = rescanned
    contact = contact_of(project, make_member)
    client = login(contact)
    for url in (scan_url(second), scan_url(second, "scan_progress"), scan_url(first)):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "What the scan found" in html
        assert "Lovable" in html
        assert "By category" in html
        assert "Secrets" in html
        for leak in (SECRET_PATH, "src/ai.ts", "package.json:", "sk_live_", "sk-proj", "sha256:"):
            assert leak not in html, leak
        assert 'id="findings"' not in html
    html = client.get(scan_url(second)).content.decode()
    assert "Compared with the previous scan" in html
    new = html.split("<dt>New</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert new.endswith(" critical")
    assert new[0].isdigit()
    assert "high" in html.split("<dt>Fixed</dt><dd>", 1)[1].split("</dd>", 1)[0]
    listing = client.get(scans_url(project)).content.decode()
    assert "Start the scan" not in listing
    assert 'name="token"' not in listing
    engagement = client.get(reverse("project_detail", args=[project.agency.slug, project.pk]))
    assert "Repository scan" in engagement.content.decode()
    assert "Scan again" not in engagement.content.decode()


def test_client_contact_gets_403_starting_a_scan_or_setting_the_schedule(leaky, make_member, login):
    repo_path, project = leaky
    client = login(contact_of(project, make_member))
    before = Project.objects.filter(pk=project.pk).values().get()
    response = client.post(scans_url(project), {"repository_url": str(repo_path)})
    assert response.status_code == 403
    response = client.post(scans_url(project), {"action": "schedule", "scan_schedule": "daily"})
    assert response.status_code == 403
    assert not Scan.objects.exists()
    assert Project.objects.filter(pk=project.pk).values().get() == before


def test_a_refusal_by_the_service_itself_is_a_403_and_changes_nothing(
    leaky, owner, login, monkeypatch
):
    """The page checks who may scan before calling the service; should the service still
    refuse (the engagement changed in between), that is the 403 page, not a form error."""
    repo_path, project = leaky
    client = login(owner)
    monkeypatch.setattr("apps.scans.services.can_scan", lambda member, project: False)
    before = Project.objects.filter(pk=project.pk).values().get()
    response = client.post(scans_url(project), {"repository_url": str(repo_path)})
    assert response.status_code == 403
    response = client.post(scans_url(project), {"action": "schedule", "scan_schedule": "daily"})
    assert response.status_code == 403
    assert not Scan.objects.exists()
    assert Project.objects.filter(pk=project.pk).values().get() == before


def test_unassigned_engineer_gets_404_everywhere(leaky, owner, engineer, login, committing):
    from apps.scans import services

    repo_path, project = leaky
    scan = committing(services.scan_request, project=project, actor=owner)
    client = login(engineer)
    for url in (scans_url(project), scan_url(scan), scan_url(scan, "scan_progress")):
        assert client.get(url).status_code == 404
    assert client.post(scans_url(project), {"repository_url": str(repo_path)}).status_code == 404
    assert Scan.objects.count() == 1


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://github.com/acme/app.git", "Only https addresses can be scanned"),
        ("ftp://github.com/acme/app.git", "Only https addresses can be scanned"),
        ("https://ada:hunter22@github.com/acme/app.git", "Remove the user name or token"),
        ("not an address", "Only https addresses can be scanned (this one is “no scheme”)"),
        ("https://nohost/", "has no valid host name"),
        ("", "Give the repository&#x27;s https address."),
    ],
)
def test_a_bad_address_is_explained_beside_the_field_and_nothing_is_queued(
    scanned_project, owner, login, url, message
):
    project = scanned_project("https://example.com/acme/app.git")
    token = "ghp_NotEchoedBack0123456789"
    response = login(owner).post(scans_url(project), {"repository_url": url, "token": token})
    assert response.status_code == 200
    html = response.content.decode()
    field_error = html[html.index('id="id_repository_url_error"') :]
    assert message in field_error.split("</p>")[0]
    assert "There is a problem" in html
    assert token not in html  # a password field is never filled back in
    assert not Scan.objects.exists()
    assert not RepositoryAccess.objects.exists()
    project.refresh_from_db()
    assert project.repository_url == "https://example.com/acme/app.git"


def test_a_saved_token_is_named_by_its_last_four_characters_only(leaky, owner, login, committing):
    repo_path, project = leaky
    client = login(owner)
    token = "ghp_Secret0123456789wxyz"
    committing(client.post, scans_url(project), {"repository_url": str(repo_path), "token": token})
    assert RepositoryAccess.objects.get(project=project).token_hint == "wxyz"
    html = client.get(scans_url(project)).content.decode()
    assert "Saved: …wxyz" in html
    assert token not in html
    assert token[:-4] not in html


def test_a_scan_already_under_way_is_where_a_new_request_goes(scanned_project, owner, login):
    project = scanned_project("https://example.com/acme/app.git")
    active = Scan.objects.create(agency=project.agency, project=project, repository_url="x")
    client = login(owner)
    assert "Follow its progress" in client.get(scans_url(project)).content.decode()
    response = client.post(scans_url(project), {"repository_url": project.repository_url})
    assert response.status_code == 302
    assert response["Location"] == scan_url(active)
    assert Scan.objects.count() == 1
    assert "already under way" in client.get(response["Location"]).content.decode()


def test_schedule_is_set_and_a_bad_value_is_refused(scanned_project, owner, login):
    project = scanned_project("https://example.com/acme/app.git")
    client = login(owner)
    response = client.post(scans_url(project), {"action": "schedule", "scan_schedule": "weekly"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.scan_schedule == "weekly"
    assert "rescanned weekly" in client.get(response["Location"]).content.decode()

    response = client.post(scans_url(project), {"action": "schedule", "scan_schedule": "hourly"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    project.refresh_from_db()
    assert project.scan_schedule == "weekly"

    client.post(scans_url(project), {"action": "schedule", "scan_schedule": ""})
    project.refresh_from_db()
    assert project.scan_schedule == ""


# --- query counts -------------------------------------------------------------------------------


# Issue 14 triage: +1 for the engagement's decisions (staff), +2 for a client contact (the
# decisions for the diff and the triaged counts).
@pytest.mark.parametrize(("viewer", "expected"), [("owner", 9), ("engineer", 11), ("client", 11)])
def test_scan_page_query_count_is_pinned_and_independent_of_the_findings(
    viewer, expected, scanned_project, owner, engineer, make_member, login,
    django_assert_num_queries,
):  # fmt: skip
    project = scanned_project("https://example.com/acme/app.git")
    member = {"owner": owner, "engineer": engineer, "client": None}[viewer]
    if viewer == "engineer":
        assign(project, engineer, owner)
    if viewer == "client":
        member = contact_of(project, make_member)
    client = login(member)
    previous = finished_scan(project, 0)
    scan = finished_scan(project, 0, previous=previous)
    add_findings(previous, 1)
    add_findings(scan, 1)
    client.get(scan_url(scan))  # warm the session and content-type caches
    with django_assert_num_queries(expected):
        assert client.get(scan_url(scan)).status_code == 200
    # 50 findings on each side, all different: 50 new and 50 fixed on the page as well.
    add_findings(previous, 50)
    add_findings(scan, 50)
    with django_assert_num_queries(expected):
        html = client.get(scan_url(scan)).content.decode()
    if viewer != "client":
        assert html.count(f"src/{scan.pk}/50.ts:50") == 2  # in the findings and as new
        assert f"src/{previous.pk}/50.ts:50" in html  # fixed


def test_the_time_taken_reads_well_when_it_rounds_to_nothing(scanned_project, owner, login):
    project = scanned_project("https://example.com/acme/app.git")
    scan = finished_scan(project, 0)
    Scan.objects.filter(pk=scan.pk).update(timings={"clone": 2.46, "scan": 0.004})
    html = login(owner).get(scan_url(scan)).content.decode()
    assert "2.5 s to clone, under 0.1 s to scan" in html
