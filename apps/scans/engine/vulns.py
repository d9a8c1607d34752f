"""What the engine asks of a vulnerability database: "which of these package versions have
known advisories?". The engine stays offline; whoever calls `scan_directory` passes a source
(the worker passes the OSV client in apps/scans/osv.py, tests pass a fake). Without one, or
when the source fails, the known-vulnerabilities rule says "not checked", never "passed"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

# The engine's ecosystem names and the ones OSV (and most advisory databases) use.
OSV_ECOSYSTEMS = {"npm": "npm", "pypi": "PyPI"}


@dataclass(frozen=True, slots=True)
class PackageVersion:
    ecosystem: str  # OSV's name: "npm", "PyPI"
    name: str
    version: str


@dataclass(frozen=True, slots=True)
class Advisory:
    """One advisory as it bears on one package version."""

    id: str  # "GHSA-35jh-r3h4-6jhm", "PYSEC-2023-74"
    summary: str = ""
    severity: str | None = None  # "critical" / "high" / "medium" / "low"; None when not given
    fixed: str | None = None  # the first version after this one that fixes it, if known
    aliases: tuple[str, ...] = ()  # "CVE-2021-23337"...


class SourceUnavailable(Exception):  # noqa: N818 - reads as the condition it reports
    """The source could not answer (down, timed out, answered nonsense); `message` says so
    in words the report can show as they are."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class VulnerabilitySource(Protocol):
    name: str  # shown in summaries: "OSV"

    def lookup(
        self, packages: Sequence[PackageVersion]
    ) -> Mapping[PackageVersion, Sequence[Advisory]]:
        """The advisories of each vulnerable package among `packages` (absent or empty: none
        known). Raises SourceUnavailable when it cannot tell."""
        ...


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """An ordering good enough to pick the highest of a few fixed versions: numeric parts as
    numbers, and a pre-release ("1.2.0-beta.1", "2.0rc1") before its release."""
    parts: list[tuple[int, int | str]] = []
    for piece in re.findall(r"\d+|[A-Za-z]+", version.split("+", 1)[0]):
        parts.append((1, int(piece)) if piece.isdigit() else (0, piece.lower()))
    parts.append((1, -1))  # a release sorts after its pre-releases, which add (0, "beta")
    return tuple(parts)
