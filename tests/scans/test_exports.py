"""A scan's findings exported as SARIF 2.1.0 and CSV (issue 14 item 6): the SARIF log holds
what the 2.1.0 schema requires of what we emit (checked by hand, no network), with the stable
key as a partial fingerprint and triage as suppressions; the CSV has one row per finding and
no cell a spreadsheet would run as a formula. Same permissions as the findings: a client
contact or an unassigned engineer gets no export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from apps.scans import services
from apps.scans.exports import CSV_COLUMNS, SARIF_LEVELS, csv_cell, findings_csv, sarif_log
from apps.scans.models import Scan, ScanFinding
from apps.scans.selectors import finding_list, with_triage
from tests.scans.helpers import STRIPE, assign, contact_of, finished_scan

pytestmark = pytest.mark.django_db

LEVELS = {"none", "note", "warning", "error"}


def export_url(scan, fmt, name="scan_export"):
    return reverse(name, args=[scan.agency.slug, scan.pk, fmt])


@pytest.fixture
def exported(scanned_project, owner):
    """A succeeded scan with a finding at a line, one for the whole repository, a hostile
    one (formula-looking text) and a triaged one."""
    project = scanned_project("https://github.com/acme/portal.git")
    scan = finished_scan(project, 3)
    ScanFinding.objects.create(
        agency=project.agency, scan=scan, rule_id="testing.tests-present",
        rule_title="Automated tests exist", category="testing", severity="high",
        message="No test files in the repository.", key="k-whole", reason="no test files",
    )  # fmt: skip
    ScanFinding.objects.create(
        agency=project.agency, scan=scan, rule_id="ai.odd", rule_title="Odd", category="ai-faults",
        severity="low", message="=HYPERLINK(\"http://evil.example\")", path="+cmd.ts", line=3,
        snippet="-2+3", reason="@SUM(A1)", key="k-hostile",
    )  # fmt: skip
    triaged = scan.findings.get(key="k1")
    services.finding_triage_set(
        actor=owner, finding=triaged, state="false_positive", reason="Fixture, not a real key"
    )
    return scan


def _findings(scan):
    return with_triage(list(finding_list(scan=scan)), project=scan.project)


# --- SARIF --------------------------------------------------------------------------------------


def assert_sarif_2_1_0(log):
    """The 2.1.0 schema's required properties (and value sets) for what we emit."""
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert isinstance(log["runs"], list)
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert isinstance(driver["name"], str)
    assert driver["name"]
    assert isinstance(driver["version"], str)
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert isinstance(rule["id"], str)
        for key in ("shortDescription", "fullDescription", "help"):
            assert isinstance(rule[key]["text"], str)  # a multiformatMessageString
            assert rule[key]["text"]
        assert rule["defaultConfiguration"]["level"] in LEVELS
        assert isinstance(rule["properties"]["tags"], list)
    for result in run["results"]:
        assert isinstance(result["message"]["text"], str)  # message is required, with text
        assert result["level"] in LEVELS
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        for location in result.get("locations", []):
            physical = location["physicalLocation"]
            assert isinstance(physical["artifactLocation"]["uri"], str)
            assert not physical["artifactLocation"]["uri"].startswith("/")
            if "region" in physical:
                assert physical["region"]["startLine"] >= 1
        assert all(isinstance(v, str) for v in result["partialFingerprints"].values())
        for suppression in result.get("suppressions", []):
            assert suppression["kind"] in {"inSource", "external"}
            assert suppression["status"] in {"accepted", "underReview", "rejected"}
    for provenance in run.get("versionControlProvenance", []):
        assert isinstance(provenance["repositoryUri"], str)


def test_sarif_log_has_the_shape_code_scanning_reads(exported):
    log = sarif_log(exported, _findings(exported))
    assert_sarif_2_1_0(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["version"]
    assert run["versionControlProvenance"] == [
        {
            "repositoryUri": "https://example.com/a.git",
            "revisionId": "ab" * 20,
            "mappedTo": {"uriBaseId": "%SRCROOT%"},
        }
    ]
    results = {r["partialFingerprints"]["launchpadFindingKey/v1"]: r for r in run["results"]}
    assert len(results) == exported.findings.count()

    at_line = results["k0"]
    physical = at_line["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "src/file_0.ts", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 1}
    assert at_line["level"] == SARIF_LEVELS["critical"] == "error"
    assert "suppressions" not in at_line

    whole = results["k-whole"]
    assert "locations" not in whole  # nothing invented for a repository-wide finding
    assert whole["properties"]["reason"] == "no test files"

    triaged = results["k1"]
    assert triaged["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "Fixture, not a real key"}
    ]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["ai.odd"]["defaultConfiguration"]["level"] == "note"
    assert "ai-faults" in rules["ai.odd"]["properties"]["tags"]


def test_the_page_downloads_sarif_of_a_real_scan_without_the_secret(
    leaky, owner, engineer, login, committing
):
    _, project = leaky
    assign(project, engineer, owner)
    scan = committing(services.scan_request, project=project, actor=owner)
    response = login(engineer).get(export_url(scan, "sarif"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/sarif+json")
    assert "attachment" in response["Content-Disposition"]
    assert ".sarif" in response["Content-Disposition"]
    body = response.content.decode()
    assert STRIPE not in body
    log = json.loads(body)
    assert_sarif_2_1_0(log)
    scan.refresh_from_db()
    assert log["runs"][0]["versionControlProvenance"][0]["revisionId"] == scan.commit_sha
    assert len(log["runs"][0]["results"]) == scan.findings.count()

    page = login(engineer).get(reverse("scan_detail", args=[scan.agency.slug, scan.pk]))
    assert export_url(scan, "sarif") in page.content.decode()
    assert export_url(scan, "csv") in page.content.decode()


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell("src/a.ts") == "src/a.ts"
    assert csv_cell(None) == ""
    assert csv_cell(12) == "12"


def test_csv_has_one_row_per_finding_with_triage(exported, owner, login):
    response = login(owner).get(export_url(exported, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == exported.findings.count()
    by_key = {row["key"]: row for row in rows}
    assert by_key["k1"]["triage_state"] == "false_positive"
    assert by_key["k1"]["triage_reason"] == "Fixture, not a real key"
    assert by_key["k1"]["snippet"] == "sk_live_…abcd"
    assert by_key["k0"]["triage_state"] == ""
    hostile = by_key["k-hostile"]
    assert hostile["message"] == '\'=HYPERLINK("http://evil.example")'
    assert hostile["path"] == "'+cmd.ts"
    assert hostile["snippet"] == "'-2+3"
    assert hostile["reason"] == "'@SUM(A1)"
    assert hostile["line"] == "3"
    assert findings_csv([]).splitlines() == [",".join(CSV_COLUMNS)]


# --- who may export -----------------------------------------------------------------------------


def test_api_exports_both_formats(exported, owner, login):
    client = login(owner)
    sarif = client.get(export_url(exported, "sarif", "api_scan_export"))
    assert sarif.status_code == 200
    assert_sarif_2_1_0(json.loads(sarif.content))
    csv_response = client.get(export_url(exported, "csv", "api_scan_export"))
    assert csv_response.status_code == 200
    assert csv_response.content.decode().startswith("severity,rule,")
    assert client.get(export_url(exported, "xml", "api_scan_export")).status_code == 404
    assert client.get(export_url(exported, "xml")).status_code == 404


@pytest.mark.parametrize("who", ["client", "unassigned"])
def test_a_client_contact_or_an_unassigned_engineer_gets_no_export(
    exported, engineer, make_member, login, who
):
    member = contact_of(exported.project, make_member) if who == "client" else engineer
    client = login(member)
    for fmt in ("sarif", "csv"):
        for name in ("scan_export", "api_scan_export"):
            response = client.get(export_url(exported, fmt, name))
            assert response.status_code in (403, 404), (fmt, name)
            assert b"src/file_0.ts" not in response.content
    if who == "client":
        page = client.get(reverse("scan_detail", args=[exported.agency.slug, exported.pk]))
        assert export_url(exported, "sarif") not in page.content.decode()


def test_a_scan_that_has_not_succeeded_has_nothing_to_export(exported, owner, login):
    exported.status = Scan.Status.FAILED
    exported.save(update_fields=["status"])
    client = login(owner)
    assert client.get(export_url(exported, "sarif")).status_code == 404
    response = client.get(export_url(exported, "csv", "api_scan_export"))
    assert response.status_code == 409
