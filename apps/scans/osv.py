"""OSV (https://osv.dev) as the scan engine's vulnerability source (engine/vulns.py).

`POST {OSV_API_URL}/querybatch` says which advisory ids affect each package version (ids
only); `GET {OSV_API_URL}/vulns/<id>` gives an advisory's summary, severity and fixed
versions. Both answers are cached in Django's cache for OSV_CACHE_SECONDS, per (ecosystem,
package, version) and per advisory id, so a rescan of the same lockfile asks nothing. The
connection goes through the outbound guard (apps.core.netguard) like the scanner's clones:
the host must resolve to a public address, which is the address connected to. Anything
other than a well-formed answer (down, a timeout, an HTTP error, not JSON) raises
SourceUnavailable, and the rule reports "not checked".
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import certifi
import urllib3
from django.conf import settings
from django.core.cache import cache

from apps.core.netguard import BlockedAddress, public_address
from apps.scans.engine.manifests import normalise_python_name
from apps.scans.engine.vulns import Advisory, PackageVersion, SourceUnavailable, version_key

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 16_000_000
MAX_PAGES = 3  # querybatch pages per package: a package with more advisories is rare
_CACHE_VERSION = "osv1"
_GHSA_SEVERITY = {"critical": "critical", "high": "high", "moderate": "medium", "medium": "medium",
                  "low": "low"}  # fmt: skip


def source_from_settings() -> OsvSource | None:
    """The configured OSV source, or None when OSV_API_URL is empty (lookups switched off)."""
    if not settings.OSV_API_URL:
        return None
    try:
        return OsvSource(
            base_url=settings.OSV_API_URL,
            timeout=settings.OSV_TIMEOUT,
            batch_size=settings.OSV_BATCH_SIZE,
            cache_seconds=settings.OSV_CACHE_SECONDS,
            max_advisories=settings.OSV_MAX_ADVISORIES,
            block_private=settings.OSV_BLOCK_PRIVATE_NETWORKS,
        )
    except ValueError:
        # A mistyped setting should not fail every scan: the rule then says "not checked".
        logger.exception("OSV lookups are off: OSV_API_URL is not usable")
        return None


class OsvSource:
    name = "OSV"

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float,
        batch_size: int = 1000,
        cache_seconds: int = 6 * 3600,
        max_advisories: int = 300,
        block_private: bool = True,
    ) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise ValueError(
                "OSV_API_URL must be an http(s) address, such as https://api.osv.dev/v1"
            )
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.netloc = parts.netloc.rsplit("@", 1)[-1]
        self.path = parts.path
        self.timeout = urllib3.Timeout(connect=timeout, read=timeout)
        # OSV takes at most 1,000 queries per batch.
        self.batch_size = max(1, min(batch_size, 1000))
        self.cache_seconds = cache_seconds
        self.max_advisories = max_advisories
        self.block_private = block_private
        self._pool: urllib3.HTTPConnectionPool | None = None

    # --- the engine's question ------------------------------------------------------------

    def lookup(self, packages: Sequence[PackageVersion]) -> dict[PackageVersion, list[Advisory]]:
        try:
            ids = self._advisory_ids(packages)
            wanted = sorted({i for found in ids.values() for i in found})
            records = self._advisories(wanted)
        finally:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        result: dict[PackageVersion, list[Advisory]] = {}
        for package, found in ids.items():
            if found:
                result[package] = [_advisory(records.get(i), i, package) for i in found]
        return result

    def _advisory_ids(self, packages: Sequence[PackageVersion]) -> dict[PackageVersion, list[str]]:
        keys = {p: _cache_key("ids", p.ecosystem, p.name, p.version) for p in packages}
        cached = cache.get_many(list(keys.values()))
        ids: dict[PackageVersion, list[str]] = {}
        missing: list[PackageVersion] = []
        for package, key in keys.items():
            if key in cached:
                ids[package] = cached[key]
            else:
                missing.append(package)
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            answered = self._query_batch(batch)
            ids.update(answered)
            cache.set_many({keys[p]: found for p, found in answered.items()}, self.cache_seconds)
        return ids

    def _query_batch(self, batch: list[PackageVersion]) -> dict[PackageVersion, list[str]]:
        found: dict[PackageVersion, list[str]] = {p: [] for p in batch}
        pending: list[tuple[PackageVersion, str | None]] = [(p, None) for p in batch]
        for _ in range(MAX_PAGES):
            queries = []
            for package, token in pending:
                query: dict[str, Any] = {
                    "package": {"ecosystem": package.ecosystem, "name": package.name},
                    "version": package.version,
                }
                if token:
                    query["page_token"] = token
                queries.append(query)
            answer = self._request("POST", "/querybatch", {"queries": queries})
            results = answer.get("results") if isinstance(answer, dict) else None
            if not isinstance(results, list) or len(results) != len(pending):
                raise SourceUnavailable("OSV answered a batch query in an unexpected shape")
            next_pending: list[tuple[PackageVersion, str | None]] = []
            for (package, _token), answered in zip(pending, results, strict=True):
                item = answered if isinstance(answered, dict) else {}
                vulns = item.get("vulns")
                if not isinstance(vulns, list):
                    vulns = []
                found[package] += [
                    v["id"] for v in vulns if isinstance(v, dict) and isinstance(v.get("id"), str)
                ]
                token = item.get("next_page_token")
                if isinstance(token, str) and token:
                    next_pending.append((package, token))
            pending = next_pending
            if not pending:
                break
        return {p: sorted(set(v)) for p, v in found.items()}

    def _advisories(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Advisory records by id, from the cache or OSV. A detail that cannot be fetched
        leaves that advisory with its id alone: the package is still known vulnerable."""
        keys = {i: _cache_key("vuln", i) for i in ids}
        cached = cache.get_many(list(keys.values()))
        records = {i: cached[k] for i, k in keys.items() if k in cached}
        for advisory_id in [i for i in ids if i not in records][: self.max_advisories]:
            try:
                raw = self._request("GET", f"/vulns/{quote(advisory_id, safe='')}")
            except SourceUnavailable as exc:
                # One failure is enough: the next ids would wait out the same timeout.
                logger.warning("OSV advisory %s not fetched: %s", advisory_id, exc.message)
                break
            record = _record(raw) if isinstance(raw, dict) else None
            if record is not None:
                records[advisory_id] = record
                cache.set(keys[advisory_id], record, self.cache_seconds)
        return records

    # --- HTTP -----------------------------------------------------------------------------

    def _connection(self) -> urllib3.HTTPConnectionPool:
        if self._pool is not None:
            return self._pool
        try:
            address = public_address(self.host, self.port) if self.block_private else self.host
        except BlockedAddress as exc:
            raise SourceUnavailable(exc.message) from None
        if self.scheme == "https":
            # Connect to the checked address; the certificate is still checked against the name.
            self._pool = urllib3.HTTPSConnectionPool(
                address, self.port, timeout=self.timeout, retries=False, maxsize=1,
                cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
                server_hostname=self.host, assert_hostname=self.host,
            )  # fmt: skip
        else:
            self._pool = urllib3.HTTPConnectionPool(
                address, self.port, timeout=self.timeout, retries=False, maxsize=1
            )
        return self._pool

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        headers = {
            "Host": self.netloc,
            "User-Agent": "Launchpad-Scanner/1",
            "Accept": "application/json",
        }
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        pool = self._connection()
        try:
            response = pool.urlopen(
                method, self.path + path, body=data, headers=headers, redirect=False,
                preload_content=False, assert_same_host=False,
            )  # fmt: skip
            raw = response.read(MAX_RESPONSE_BYTES + 1)
            response.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SourceUnavailable(_network_error(exc)) from None
        if response.status != 200:  # noqa: PLR2004 - OSV answers 200 or an error
            raise SourceUnavailable(f"OSV answered HTTP {response.status}")
        if len(raw) > MAX_RESPONSE_BYTES:
            raise SourceUnavailable("OSV's answer was too large")
        try:
            return json.loads(raw)
        except ValueError:
            raise SourceUnavailable("OSV answered with something that is not JSON") from None


def _network_error(exc: BaseException) -> str:
    # NewConnectionError subclasses urllib3's TimeoutError: a refused connection is asked first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError | ConnectionError):
        return "OSV could not be reached"
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return "OSV did not answer in time"
    return f"OSV could not be reached ({type(exc).__name__})"


def _cache_key(kind: str, *parts: str) -> str:
    # Hashed: package names hold characters (@, /, spaces in bad input) that memcached refuses.
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"{_CACHE_VERSION}:{kind}:{digest}"


# --- an OSV record, reduced to what the report shows ------------------------------------------


def _record(raw: dict[str, Any]) -> dict[str, Any] | None:
    advisory_id = raw.get("id")
    if not isinstance(advisory_id, str):
        return None
    fixes = []
    for affected in raw.get("affected") or ():
        if not isinstance(affected, dict) or not isinstance(affected.get("package"), dict):
            continue
        package = affected["package"]
        fixed = [
            event["fixed"]
            for r in affected.get("ranges") or ()
            if isinstance(r, dict) and r.get("type") in {"SEMVER", "ECOSYSTEM"}
            for event in r.get("events") or ()
            if isinstance(event, dict) and isinstance(event.get("fixed"), str)
        ]
        fixes.append([str(package.get("ecosystem", "")), str(package.get("name", "")), fixed])
    aliases = [a for a in raw.get("aliases") or () if isinstance(a, str)]
    summary = raw.get("summary")
    if not isinstance(summary, str):
        summary = ""
    return {
        "id": advisory_id,
        "summary": " ".join(summary.split())[:200],
        "severity": severity_of(raw),
        "aliases": aliases[:10],
        "fixes": fixes,
    }


def _advisory(record: dict[str, Any] | None, advisory_id: str, package: PackageVersion) -> Advisory:
    if record is None:
        return Advisory(id=advisory_id)
    return Advisory(
        id=advisory_id,
        summary=record["summary"],
        severity=record["severity"],
        fixed=_fixed_after(record["fixes"], package),
        aliases=tuple(record["aliases"]),
    )


def _same_package(ecosystem: str, name: str, package: PackageVersion) -> bool:
    if ecosystem != package.ecosystem:
        return False
    if ecosystem == "PyPI":
        return normalise_python_name(name) == normalise_python_name(package.name)
    return name == package.name


def _fixed_after(fixes: list[list[Any]], package: PackageVersion) -> str | None:
    """The lowest fixed version above the installed one, for this package."""
    installed = version_key(package.version)
    later = [
        fixed
        for ecosystem, name, versions in fixes
        if _same_package(ecosystem, name, package)
        for fixed in versions
        if version_key(fixed) > installed
    ]
    return min(later, key=version_key) if later else None


def severity_of(raw: dict[str, Any]) -> str | None:
    """critical / high / medium / low: GitHub's rating when the record has one (in its
    database_specific), else the CVSS v3 base score's rating; None when neither is given."""
    places = [raw.get("database_specific")]
    places += [a.get("database_specific") for a in raw.get("affected") or () if isinstance(a, dict)]
    for place in places:
        if isinstance(place, dict) and isinstance(place.get("severity"), str):
            rating = _GHSA_SEVERITY.get(place["severity"].lower())
            if rating:
                return rating
    for entry in raw.get("severity") or ():
        if isinstance(entry, dict) and str(entry.get("type", "")).startswith("CVSS_V3"):
            score = cvss3_base_score(str(entry.get("score", "")))
            if score is not None:
                return _rating(score)
    return None


def _rating(score: float) -> str | None:
    if score >= 9.0:  # noqa: PLR2004 - the CVSS v3 rating scale
        return "critical"
    if score >= 7.0:  # noqa: PLR2004
        return "high"
    if score >= 4.0:  # noqa: PLR2004
        return "medium"
    return "low" if score > 0 else None


_CVSS3 = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
_CVSS3_PR = {"U": {"N": 0.85, "L": 0.62, "H": 0.27}, "C": {"N": 0.85, "L": 0.68, "H": 0.5}}


def cvss3_base_score(vector: str) -> float | None:
    """The base score of a CVSS v3.0/v3.1 vector ("CVSS:3.1/AV:N/AC:L/..."), by the formula
    in the FIRST specification; None for anything else."""
    metrics = dict(part.split(":", 1) for part in vector.split("/")[1:] if ":" in part)
    if not vector.startswith("CVSS:3"):
        return None
    try:
        scope = metrics["S"]
        weights = {name: table[metrics[name]] for name, table in _CVSS3.items()}
        privileges = _CVSS3_PR[scope][metrics["PR"]]
    except KeyError:
        return None
    iss = 1 - (1 - weights["C"]) * (1 - weights["I"]) * (1 - weights["A"])
    changed = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    impact = 6.42 * iss if scope == "U" else changed
    exploitability = 8.22 * weights["AV"] * weights["AC"] * privileges * weights["UI"]
    if impact <= 0:
        return 0.0
    total = impact + exploitability if scope == "U" else 1.08 * (impact + exploitability)
    return _round_up(min(total, 10.0))


def _round_up(value: float) -> float:
    # CVSS 3.1's Roundup: the smallest one-decimal number >= value, immune to float noise.
    scaled = round(value * 100_000)
    if scaled % 10_000 == 0:
        return scaled / 100_000
    return (math.floor(scaled / 10_000) + 1) / 10.0
