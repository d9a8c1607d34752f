"""Fixtures for the scan-engine tests: each builds throw-away git repositories in tmp_path."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from apps.scans.engine import RuleResult, ScanReport

from .gitrepo import run_rule, scan


@pytest.fixture
def rule(tmp_path) -> Callable[..., RuleResult]:
    """`rule("ci.pipeline", {"path": "content"})` -> that rule's result on a fresh repo."""
    counter = itertools.count()

    def run(rule_id: str, files: dict[str, str | bytes], **kwargs) -> RuleResult:
        return run_rule(tmp_path / f"repo-{next(counter)}", rule_id, files, **kwargs)

    return run


@pytest.fixture
def scan_repo(tmp_path) -> Callable[..., ScanReport]:
    """`scan_repo({"path": "content"})` -> the full report on a fresh repo."""
    counter = itertools.count()

    def run(files: dict[str, str | bytes] | None = None, **kwargs) -> ScanReport:
        return scan(tmp_path / f"repo-{next(counter)}", files, **kwargs)

    return run
