"""The live API against its own OpenAPI document: schemathesis drives every operation, with
`--checks all`, through a real gunicorn on the test database, once per tenant with that
agency's bearer token and its own objects. Any 5xx or any answer the schema does not
describe fails the test; schemathesis' summary is printed either way, so it lands in the
CI log.

A bounded run (examples per operation, `SCHEMATHESIS_MAX_EXAMPLES`, default 12) and a fixed
seed (`SCHEMATHESIS_SEED`) keep it to a few minutes and repeatable; change the seed locally to
explore further."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from tests.server.conftest import BIN
from tests.support.gunicorn import production_env, start_gunicorn
from tests.support.server import SERVER_TEST_MARKS
from tests.support.tenants import api_tenant

pytestmark = SERVER_TEST_MARKS

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20260310"))
# Generous: the run is bounded by examples, this only stops a hung server from hanging CI.
RUN_TIMEOUT = 900


@pytest.fixture
def api_server(processes, tmp_path):
    """gunicorn with the production settings on the test database. Throttles and abuse limits
    are lifted (a fuzzer is one client sending thousands of requests; the limits have tests of
    their own) and tasks go to an in-memory broker, so nothing queued here runs or reaches the
    shared Redis."""
    env = production_env(
        # The test's own key: the manage links signed here must verify there.
        SECRET_KEY=settings.SECRET_KEY,
        CELERY_BROKER_URL="memory://",
        API_THROTTLE_ANON="1000000/min",
        API_THROTTLE_USER="1000000/min",
        API_TOKEN_FAILURES_PER_MINUTE="1000000",
        BOOKING_RATE_PER_IP="1000000/m",
        BOOKING_RATE_PER_EMAIL="1000000/m",
        BOOKING_MAX_OPEN_PER_EMAIL="1000000",
        INVITATION_RESENDS_PER_DAY="1000000",
        ENCRYPTION_KEYS=",".join(settings.ENCRYPTION_KEYS),
        LOG_FORMAT="text",
    )
    return start_gunicorn(processes, tmp_path, env=env)


# What a schema cannot say: that an id exists in this agency, that a time is free, that an
# invitation is still open, a cursor one we gave, a date within INPUT_DATE_RANGE_YEARS. The
# API refuses such requests with 400 and a code naming the rule, as every operation
# documents; schemathesis' positive-data check is told so. Every other check keeps its
# defaults, and a 5xx fails whatever the check.
CHECKS = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
"""


# Every path parameter of the schema, each filled with the tenant's own object (api_tenant's
# keys are the URL kwargs), so operations reach real rows: other ids only ever answer 404,
# which tests/test_isolation.py covers.
PATH_PARAMETERS = (
    "agency_slug", "member_id", "invitation_id", "client_id", "project_id", "assignment_id",
    "item_id", "scan_id", "finding_id", "export_format", "offer_id", "booking_id", "agency",
    "offer", "token",
)  # fmt: skip


def _config(tenant: dict[str, str]) -> str:
    """schemathesis.toml for one tenant: its objects as the path parameters, and the checks'
    settings above."""
    lines = ["[parameters]"] + [f'"path.{name}" = "{tenant[name]}"' for name in PATH_PARAMETERS]
    return "\n".join(lines) + "\n" + CHECKS


def _run_schemathesis(base: str, tenant: dict[str, str], workdir) -> subprocess.CompletedProcess:
    config = workdir / "schemathesis.toml"
    config.write_text(_config(tenant))
    return subprocess.run(
        [
            str(BIN / "schemathesis"), "--config-file", str(config), "--no-color",
            "run", f"{base}/api/schema/",
            "--checks", "all",
            "--header", f"Authorization: Bearer {tenant['bearer']}",
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", str(SEED),
            "--workers", "2",
            "--generation-database", "none",
            "--request-timeout", "30",
            "--continue-on-failure",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )  # fmt: skip


_FAILURE = re.compile(r"❌ ST(\d+) [^:\n]+: (\d+)")
_GENERATED = re.compile(r"(\d+) generated")


def tally(output: str) -> str:
    """One line from schemathesis' summary: cases run, server errors (ST101), schema
    violations (the other response checks, ST1xx) and any other failure (ST2xx, ST3xx)."""
    counts = {"server errors": 0, "schema violations": 0, "other failures": 0}
    for code, count in _FAILURE.findall(output):
        kind = "server errors" if code == "101" else "schema violations"
        counts["other failures" if not code.startswith("1") else kind] += int(count)
    cases = _GENERATED.search(output)
    parts = [f"{count} {kind}" for kind, count in counts.items()]
    return f"{cases.group(1) if cases else '?'} test cases, " + ", ".join(parts)


@pytest.mark.timeout(RUN_TIMEOUT * 2)
def test_every_operation_answers_as_its_schema_says_for_both_tenants(
    api_server, catalog, tmp_path, capsys
):
    base, log = api_server
    tenants = {slug: api_tenant(slug) for slug in ("alpha-agency", "beta-agency")}
    outcomes = {}
    for slug, tenant in tenants.items():
        workdir = tmp_path / slug
        workdir.mkdir()
        result = _run_schemathesis(base, tenant, workdir)
        outcomes[slug] = result.returncode
        # The summary belongs in the CI log whatever the outcome.
        with capsys.disabled():
            sys.stdout.write(f"\n===== schemathesis, {slug}'s token =====\n{result.stdout}\n")
            if result.stderr:
                sys.stdout.write(result.stderr)
            sys.stdout.write(f"schemathesis, {slug}'s token: {tally(result.stdout)}\n")
    server_errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
    assert outcomes == dict.fromkeys(tenants, 0), (
        f"schemathesis found failures (exit codes {outcomes}); see its summary above"
    )
    assert not server_errors, log.read_text()[-5000:]


def test_the_config_names_every_path_parameter_of_the_schema(db):
    """Every path parameter the schema declares gets the tenant's object: a new one would
    otherwise be fuzzed with random ids and only ever reach 404."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    declared = {
        parameter["name"]
        for item in schema["paths"].values()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    assert declared <= set(PATH_PARAMETERS), declared - set(PATH_PARAMETERS)
