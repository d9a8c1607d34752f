"""The OSV client (apps/scans/osv.py) against a local fake of the OSV API that answers with
recorded querybatch and advisory JSON: results, the cache, and every way OSV can fail."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.cache import cache

from apps.scans import osv
from apps.scans.engine import Status, scan_directory
from apps.scans.engine.vulns import PackageVersion, SourceUnavailable
from tests.scans.engine.gitrepo import make_repo

FIXTURES = Path(__file__).parent / "fixtures" / "osv"
LODASH = PackageVersion("npm", "lodash", "4.17.20")
REACT = PackageVersion("npm", "react", "18.2.0")
DJANGO = PackageVersion("PyPI", "django", "4.2.1")


class FakeOsv(BaseHTTPRequestHandler):
    """Serves /v1/querybatch and /v1/vulns/<id> from the fixtures; `mode` makes it fail."""

    mode = "ok"  # ok / error / not-json / slow
    missing: set[str] = set()  # advisory ids answered with 404
    requests: list[tuple[str, str, dict | None]]

    def _answer(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (the timeout test)

    def _serve(self, body: dict | None) -> None:
        self.requests.append((self.command, self.path, body))
        if self.mode == "slow":
            time.sleep(1.0)
        if self.mode == "error":
            self._answer(500, b'{"code": 13, "message": "internal error"}')
        elif self.mode == "not-json":
            self._answer(200, b"<html>Service Unavailable</html>")
        elif self.path == "/v1/querybatch":
            self._answer(200, self._batch(body or {}))
        elif self.path.startswith("/v1/vulns/"):
            fixture = FIXTURES / f"{self.path.rsplit('/', 1)[-1]}.json"
            if fixture.is_file() and fixture.stem not in self.missing:
                self._answer(200, fixture.read_bytes())
            else:
                self._answer(404, b'{"code": 5, "message": "Bug not found."}')
        else:
            self._answer(404, b"{}")

    def _batch(self, body: dict) -> bytes:
        # The recorded answer is for lodash, react and django, in that order; any other
        # query gets "no vulnerabilities", as OSV answers.
        recorded = json.loads((FIXTURES / "querybatch.json").read_text())["results"]
        by_name = dict(zip(["lodash", "react", "django"], recorded, strict=True))
        results = [by_name.get(q["package"]["name"], {}) for q in body["queries"]]
        return json.dumps({"results": results}).encode()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self._serve(json.loads(self.rfile.read(length)))

    def do_GET(self) -> None:
        self._serve(None)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def fake_osv():
    FakeOsv.mode = "ok"
    FakeOsv.requests = []
    FakeOsv.missing = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cache.clear()
    yield FakeOsv, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()
    thread.join()


def _source(url: str, **kwargs) -> osv.OsvSource:
    return osv.OsvSource(base_url=url, timeout=kwargs.pop("timeout", 2.0), block_private=False,
                         **kwargs)  # fmt: skip


def test_lookup_gives_advisories_with_severity_and_fix(fake_osv):
    server, url = fake_osv
    found = _source(url).lookup([LODASH, REACT, DJANGO])
    assert set(found) == {LODASH, DJANGO}
    lodash = {a.id: a for a in found[LODASH]}
    injection = lodash["GHSA-35jh-r3h4-6jhm"]
    assert injection.summary == "Command Injection in lodash"
    assert injection.severity == "high"  # GitHub's rating wins over the CVSS score (7.2)
    assert injection.fixed == "4.17.21"
    assert injection.aliases == ("CVE-2021-23337",)
    assert lodash["GHSA-29mw-wpgm-hmr9"].severity == "medium"  # "MODERATE"
    (django,) = found[DJANGO]
    assert django.severity == "critical"  # no rating given: CVSS 3.1 base score 9.8
    assert django.fixed == "4.2.2"  # the fix of its own range, not 3.2.19 or 4.1.9
    batch = [r for r in server.requests if r[1] == "/v1/querybatch"]
    assert len(batch) == 1
    assert batch[0][2]["queries"][0] == {
        "package": {"ecosystem": "npm", "name": "lodash"},
        "version": "4.17.20",
    }


def test_second_lookup_is_served_from_the_cache(fake_osv):
    server, url = fake_osv
    first = _source(url).lookup([LODASH, REACT, DJANGO])
    asked = len(server.requests)
    assert asked == 4  # one batch, three advisories
    second = _source(url).lookup([LODASH, REACT, DJANGO])
    assert len(server.requests) == asked
    assert second == first


def test_batches_stay_within_the_limit(fake_osv):
    server, url = fake_osv
    packages = [PackageVersion("npm", f"pkg-{i}", "1.0.0") for i in range(5)]
    assert _source(url, batch_size=2).lookup(packages) == {}
    sizes = [len(r[2]["queries"]) for r in server.requests if r[1] == "/v1/querybatch"]
    assert sizes == [2, 2, 1]
    assert osv.OsvSource(base_url=url, timeout=1, batch_size=5000).batch_size == 1000


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("error", "OSV answered HTTP 500"),
        ("not-json", "OSV answered with something that is not JSON"),
    ],
)
def test_failures_raise_unavailable_and_cache_nothing(fake_osv, mode, message):
    server, url = fake_osv
    server.mode = mode
    with pytest.raises(SourceUnavailable) as raised:
        _source(url).lookup([LODASH])
    assert raised.value.message == message
    server.mode = "ok"
    assert LODASH in _source(url).lookup([LODASH])  # asked again: the failure was not kept


def test_timeout_is_unavailable(fake_osv):
    server, url = fake_osv
    server.mode = "slow"
    with pytest.raises(SourceUnavailable) as raised:
        _source(url, timeout=0.2).lookup([LODASH])
    assert raised.value.message == "OSV did not answer in time"


def test_server_down_is_unavailable():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceUnavailable) as raised:
        _source(f"http://127.0.0.1:{port}/v1").lookup([LODASH])
    assert raised.value.message == "OSV could not be reached"


def test_outbound_guard_refuses_a_private_address(fake_osv):
    server, url = fake_osv
    source = osv.OsvSource(base_url=url, timeout=1.0, block_private=True)
    with pytest.raises(SourceUnavailable, match="private or internal network"):
        source.lookup([LODASH])
    assert server.requests == []


def test_advisory_detail_failure_keeps_the_id(fake_osv):
    server, url = fake_osv
    found = _source(url).lookup([LODASH])
    assert {a.id for a in found[LODASH]} == {"GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9"}
    cache.clear()
    server.missing = {"GHSA-35jh-r3h4-6jhm"}
    found = _source(url).lookup([LODASH])
    bare = next(a for a in found[LODASH] if a.id == "GHSA-35jh-r3h4-6jhm")
    assert (bare.summary, bare.severity) == ("", None)


def test_source_from_settings(settings):
    settings.OSV_API_URL = ""
    assert osv.source_from_settings() is None
    settings.OSV_API_URL = "https://osv.example.com/v1"
    source = osv.source_from_settings()
    assert (source.host, source.port, source.path) == ("osv.example.com", 443, "/v1")
    settings.OSV_API_URL = "ftp://osv.example.com"
    assert osv.source_from_settings() is None  # logged; the rule then says "not checked"


# --- through the engine: the rule's verdicts on a real scan --------------------------------

PACKAGE_LOCK = json.dumps(
    {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app"},
            "node_modules/lodash": {"version": "4.17.20"},
            "node_modules/react": {"version": "18.2.0"},
        },
    },
    indent=2,
)
RULE = "dependencies.known-vulnerabilities"


def _scan(tmp_path, name, source):
    root = make_repo(tmp_path / name, {"package-lock.json": PACKAGE_LOCK})
    return scan_directory(root, rules=[RULE], vulnerabilities=source).result(RULE)


def test_scan_reports_vulnerable_versions_and_caches_for_the_rescan(fake_osv, tmp_path):
    server, url = fake_osv
    result = _scan(tmp_path, "one", _source(url))
    assert result.status is Status.FAILED
    (finding,) = result.findings
    assert (finding.path, finding.line) == ("package-lock.json", 7)  # "node_modules/lodash"
    assert "GHSA-35jh-r3h4-6jhm" in finding.reason
    assert "Upgrade to 4.17.21" in finding.message
    asked = len(server.requests)
    again = _scan(tmp_path, "two", _source(url))
    assert len(server.requests) == asked
    assert [f.message for f in again.findings] == [finding.message]


def test_scan_with_osv_down_says_not_checked(fake_osv, tmp_path):
    server, url = fake_osv
    server.mode = "error"
    result = _scan(tmp_path, "down", _source(url))
    assert result.status is Status.NOT_APPLICABLE
    assert result.summary == "Not checked: OSV could not be asked (OSV answered HTTP 500)."
