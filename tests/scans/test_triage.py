"""Evidence a person trusts (issue 14 item 6): each finding's reason stored and shown, a key
that survives a line moving, and triage: an engineer on the engagement (or an admin) marks a
finding a false positive or an accepted risk with a reason, kept across rescans, shown on the
page and in the diff, audited, and reflected in the counts and the checklist. Refusals and
bad input change nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent, Verb
from apps.checklists.models import ProjectItem
from apps.scans import services
from apps.scans.engine.model import Finding
from apps.scans.models import FindingTriage, Scan, ScanFinding
from apps.scans.report import checklist_verdicts, scan_cleared_rules
from tests.scans.helpers import SECRET_PATH, STRIPE, assign, commit, contact_of, finished_scan
from tests.support.api import assert_error

pytestmark = pytest.mark.django_db

RULE = "testing.tests-present"  # the gap REPORT opens on testing.unit-tests


def triage_url(finding):
    return reverse("finding_triage", args=[finding.agency.slug, finding.scan_id, finding.pk])


def api_triage_url(finding):
    return reverse("api_finding_triage", args=[finding.agency.slug, finding.scan_id, finding.pk])


def scan_url(scan):
    return reverse("scan_detail", args=[scan.agency.slug, scan.pk])


@pytest.fixture
def gap_scan(scanned_project):
    """A succeeded scan whose one failing rule (one finding) opens the testing.unit-tests gap,
    applied to the engagement's checklist as scan_complete would."""
    project = scanned_project("https://example.com/a.git")
    scan = finished_scan(project, 0)
    scan.report = {
        **scan.report,
        "results": [{"rule_id": RULE, "title": "Automated tests exist", "findings_omitted": 0}],
    }
    scan.save(update_fields=["report"])
    ScanFinding.objects.create(
        agency=project.agency, scan=scan, rule_id=RULE, rule_title="Automated tests exist",
        category="testing", severity="high", checklist_keys=["testing.unit-tests"],
        message="No test files in the repository.", key="k-tests",
        reason="no file matches *.test.* or tests/",
    )  # fmt: skip
    services.apply_to_checklist(scan=scan, verdicts=scan.report["checklist"])
    return project, scan


def stripe_finding(scan):
    """The leaky export's Stripe key (other rules may also flag the same file)."""
    return ScanFinding.objects.get(scan=scan, path=SECRET_PATH, rule_id="secrets.stripe-key")


def unit_tests_item(project):
    return ProjectItem.objects.current().get(project=project, key="testing.unit-tests")


# --- the fingerprint ----------------------------------------------------------------------------


def test_finding_key_ignores_the_line_and_follows_rule_path_and_fingerprint():
    here = Finding(message="Stripe key", path="src/pay.ts", line=2, fingerprint="sha256:ab")
    moved = Finding(message="Stripe key", path="src/pay.ts", line=40, fingerprint="sha256:ab")
    assert here.key("secrets.stripe") == moved.key("secrets.stripe")
    assert here.key("secrets.stripe") != here.key("secrets.other")
    other_file = Finding(message="Stripe key", path="src/x.ts", line=2, fingerprint="sha256:ab")
    assert here.key("secrets.stripe") != other_file.key("secrets.stripe")
    rotated = Finding(message="Stripe key", path="src/pay.ts", line=2, fingerprint="sha256:cd")
    assert here.key("secrets.stripe") != rotated.key("secrets.stripe")


def test_a_rescan_after_the_file_shifts_keeps_the_key_and_the_triage(
    leaky, owner, committing, login
):
    repo_path, project = leaky
    first = committing(services.scan_request, project=project, actor=owner)
    secret = stripe_finding(first)
    assert secret.reason  # every finding says why it is believed
    assert STRIPE not in secret.reason
    services.finding_triage_set(
        actor=owner, finding=secret, state="accepted_risk", reason="Test-mode key, rotated weekly"
    )
    shifted = "// payments\n" + "\n" * 30 + f"export const key = '{STRIPE}'\n"
    commit(repo_path, {SECRET_PATH: shifted})
    second = committing(services.scan_request, project=project, actor=owner)
    again = stripe_finding(second)
    assert again.line != secret.line
    assert again.key == secret.key
    page = login(owner).get(scan_url(second)).content.decode()
    assert "Accepted risk" in page
    assert "Test-mode key, rotated weekly" in page
    assert secret.reason in page or again.reason in page

    diff = login(owner).get(reverse("api_scan_diff", args=[project.agency.slug, second.pk]))
    body = diff.json()
    assert body["counts"]["new"] == 0
    assert body["counts"]["triaged"] >= 1
    assert again.key in {f["key"] for f in body["triaged"]}
    assert again.key not in {f["key"] for f in body["still_open"]}


# --- marking, undoing, auditing -----------------------------------------------------------------


def test_assigned_engineer_marks_a_false_positive_and_the_gap_closes(
    gap_scan, owner, engineer, login
):
    project, scan = gap_scan
    assign(project, engineer, owner)
    assert unit_tests_item(project).scan_gap
    finding = scan.findings.get()
    response = login(engineer).post(
        triage_url(finding), {"state": "false_positive", "reason": "  Tests live in e2e/  "}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#f-{finding.pk}")
    triage = FindingTriage.objects.get(project=project, key=finding.key)
    assert (triage.state, triage.reason, triage.decided_by) == (
        "false_positive",
        "Tests live in e2e/",
        engineer.user,
    )
    assert triage.rule_id == RULE
    item = unit_tests_item(project)
    assert item.scan_gap == ""
    assert item.verified_by_scan_at is not None

    event = AuditEvent.objects.get(verb=Verb.FINDING_TRIAGED)
    assert event.actor_id == engineer.user.pk
    assert event.changes["state"] == ["", "false_positive"]
    assert event.changes["reason"] == ["", "Tests live in e2e/"]
    assert event.changes["key"] == finding.key

    page = login(engineer).get(scan_url(scan)).content.decode()
    assert "False positive" in page
    assert "Tests live in e2e/" in page
    # Left out of the counts: the scan now counts no finding.
    api = login(engineer).get(reverse("api_scan", args=[project.agency.slug, scan.pk])).json()
    assert api["summary"]["findings"] == 0
    assert api["summary"]["triaged"] == {"false_positive": 1, "accepted_risk": 0}
    verdict = next(v for v in api["checklist"] if v["key"] == "testing.unit-tests")
    assert verdict["status"] == "verified"
    assert verdict["false_positive_rules"] == [RULE]


def test_undo_brings_the_finding_and_the_gap_back_and_is_audited(gap_scan, owner, login):
    project, scan = gap_scan
    finding = scan.findings.get()
    services.finding_triage_set(
        actor=owner, finding=finding, state="false_positive", reason="Not a real app"
    )
    assert unit_tests_item(project).scan_gap == ""
    response = login(owner).post(triage_url(finding), {"action": "undo"})
    assert response.status_code == 302
    assert not FindingTriage.objects.exists()
    assert unit_tests_item(project).scan_gap
    event = AuditEvent.objects.get(verb=Verb.FINDING_TRIAGE_UNDONE)
    assert event.changes["state"] == ["false_positive", ""]
    assert event.changes["reason"] == ["Not a real app", ""]


def test_accepted_risk_is_still_counted_and_keeps_the_gap(gap_scan, owner, login):
    project, scan = gap_scan
    finding = scan.findings.get()
    services.finding_triage_set(
        actor=owner, finding=finding, state="accepted_risk", reason="Client signs off"
    )
    assert unit_tests_item(project).scan_gap
    api = login(owner).get(reverse("api_scan", args=[project.agency.slug, scan.pk])).json()
    assert api["summary"]["findings"] == 1
    assert api["summary"]["triaged"] == {"false_positive": 0, "accepted_risk": 1}
    verdict = next(v for v in api["checklist"] if v["key"] == "testing.unit-tests")
    assert verdict["status"] == "gap"


def test_a_rescan_applies_an_earlier_false_positive_to_the_checklist(leaky, owner, committing):
    _, project = leaky
    first = committing(services.scan_request, project=project, actor=owner)
    secret = stripe_finding(first)
    rule_findings = ScanFinding.objects.filter(scan=first, rule_id=secret.rule_id)
    for finding in rule_findings:
        services.finding_triage_set(
            actor=owner, finding=finding, state="false_positive", reason="Fixture data"
        )
    second = committing(services.scan_request, project=project, actor=owner)
    second.refresh_from_db()
    assert second.status == Scan.Status.SUCCEEDED
    verdicts = checklist_verdicts(second, cleared=scan_cleared_rules(second))
    assert all(secret.rule_id not in v["failed_rules"] for v in verdicts)
    # The stored report keeps what the engine said.
    assert any(secret.rule_id in v.get("failed", []) for v in second.report["checklist"].values())


def test_htmx_returns_the_finding_row(gap_scan, owner, login):
    _, scan = gap_scan
    finding = scan.findings.get()
    response = login(owner).post(
        triage_url(finding),
        {"state": "accepted_risk", "reason": "Known"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="f-{finding.pk}"' in body
    assert "Accepted risk" in body
    assert "<html" not in body


# --- refusals and bad input ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["client", "unassigned"])
def test_a_client_contact_or_an_unassigned_engineer_changes_nothing(
    gap_scan, owner, engineer, make_member, login, who
):
    project, scan = gap_scan
    member = contact_of(project, make_member) if who == "client" else engineer
    finding = scan.findings.get()
    services.finding_triage_set(actor=owner, finding=finding, state="accepted_risk", reason="Ok")
    events = AuditEvent.objects.count()
    client = login(member)
    web = client.post(triage_url(finding), {"state": "false_positive", "reason": "Mine"})
    assert web.status_code in (403, 404)
    undo = client.post(triage_url(finding), {"action": "undo"})
    assert undo.status_code in (403, 404)
    api = client.post(
        api_triage_url(finding),
        {"state": "false_positive", "reason": "Mine"},
        content_type="application/json",
    )
    assert api.status_code in (403, 404)
    assert client.delete(api_triage_url(finding)).status_code in (403, 404)
    triage = FindingTriage.objects.get()
    assert (triage.state, triage.reason) == ("accepted_risk", "Ok")
    assert AuditEvent.objects.count() == events
    with pytest.raises(Exception, match="triage"):
        services.finding_triage_set(actor=member, finding=finding, state="false_positive",
                                    reason="x")  # fmt: skip


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"state": "false_positive", "reason": "   "}, "Say why"),
        ({"state": "false_positive", "reason": "x" * 501}, "500 characters"),
        ({"state": "ignored", "reason": "Because"}, "false positive"),
    ],
)
def test_bad_input_is_refused_with_the_typed_reason_kept(gap_scan, owner, login, data, error):
    project, scan = gap_scan
    finding = scan.findings.get()
    response = login(owner).post(triage_url(finding), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert error in page
    if data["reason"].strip() and len(data["reason"]) < 100:
        assert f">{data['reason']}</textarea>" in page
    assert not FindingTriage.objects.exists()
    assert not AuditEvent.objects.filter(verb=Verb.FINDING_TRIAGED).exists()
    assert unit_tests_item(project).scan_gap


def test_the_web_form_needs_the_csrf_token(gap_scan, owner):
    _, scan = gap_scan
    finding = scan.findings.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.post(triage_url(finding), {"state": "false_positive", "reason": "x"})
    assert response.status_code == 403
    assert not FindingTriage.objects.exists()


def test_a_finding_of_another_scan_is_not_found(gap_scan, owner, login):
    project, scan = gap_scan
    other = finished_scan(project, 1, start=50)
    foreign = other.findings.get()
    url = reverse("finding_triage", args=[project.agency.slug, scan.pk, foreign.pk])
    assert login(owner).post(url, {"state": "false_positive", "reason": "x"}).status_code == 404
    assert not FindingTriage.objects.exists()


# --- the API ------------------------------------------------------------------------------------


def test_api_marks_and_undoes(gap_scan, owner, engineer, login):
    project, scan = gap_scan
    assign(project, engineer, owner)
    finding = scan.findings.get()
    client = login(engineer)
    response = client.post(
        api_triage_url(finding),
        {"state": "accepted_risk", "reason": "Agreed with the client"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "accepted_risk"
    assert body["reason"] == "Agreed with the client"
    assert body["key"] == finding.key
    assert body["decided_by"]["id"] == str(engineer.user.pk)

    listed = client.get(reverse("api_scan_findings", args=[project.agency.slug, scan.pk]))
    row = listed.json()["results"][0]
    assert row["reason"] == "no file matches *.test.* or tests/"
    assert row["triage"]["state"] == "accepted_risk"

    assert client.delete(api_triage_url(finding)).status_code == 204
    assert not FindingTriage.objects.exists()
    assert_error(client.delete(api_triage_url(finding)), 404)


def test_api_bad_input_is_a_400_naming_the_field(gap_scan, owner, login):
    _, scan = gap_scan
    finding = scan.findings.get()
    client = login(owner)
    response = client.post(
        api_triage_url(finding), {"state": "false_positive"}, content_type="application/json"
    )
    assert_error(response, 400, field="reason")
    response = client.post(
        api_triage_url(finding),
        {"state": "nope", "reason": "x"},
        content_type="application/json",
    )
    assert_error(response, 400, field="state")
    assert not FindingTriage.objects.exists()
