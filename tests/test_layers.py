"""The layer contract of docs/architecture.md holds, and it would catch an upward import.

`make imports` runs the same check in CI; this test also proves the check has teeth, by
planting one upward import in a copy of the tree and watching it fail."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(tree)},
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "templates", "static", "catalog")
    for package in ("apps", "config"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract(tree_copy: Path) -> None:
    result = _lint(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # The bottom layer reaching for an app.
        ("apps/core/upward.py", "from apps.agencies import models\n", "apps.core"),
        # An app reaching one layer up.
        ("apps/projects/upward.py", "from apps.checklists import selectors\n", "apps.projects"),
        # Siblings on one layer stay apart.
        ("apps/scans/upward.py", "from apps.bookings import selectors\n", "apps.scans"),
        # A page importing another app's page.
        ("apps/scans/upward.py", "from apps.checklists import views\n", "apps.scans.upward"),
    ],
)
def test_an_upward_import_breaks_the_contract(
    tree_copy: Path, module: str, line: str, broken: str
) -> None:
    (tree_copy / module).write_text(f'"""Planted by the test."""\n\n{line}')
    result = _lint(tree_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert broken in result.stdout
