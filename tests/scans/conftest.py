"""Scan tests share their fixtures with the worker tests: see tests/support/scan_fixtures.py.
The pages' and the API's tests share the leaky engagement and its rescan, below."""

import pytest

from apps.scans import services
from tests.scans.helpers import LEAKY_APP, OPENAI, SECRET_PATH, commit
from tests.support.scan_fixtures import HARDENED_APP, LOVABLE_APP

__all__ = ["HARDENED_APP", "LOVABLE_APP"]


@pytest.fixture
def leaky(repo, scanned_project):
    """An engagement whose repository is the leaky Lovable export (path, project)."""
    repo_path = repo(LEAKY_APP)
    return repo_path, scanned_project(str(repo_path))


@pytest.fixture
def rescanned(leaky, owner, committing):
    """Scanned once, then the engineer's week of work committed and scanned again: the .env
    and the Stripe key gone, tests and CI added, and a new OpenAI key leaked."""
    repo_path, project = leaky
    first = committing(services.scan_request, project=project, actor=owner)
    commit(
        repo_path,
        {**HARDENED_APP, "src/ai.ts": f"export const ai = '{OPENAI}'\n"},
        remove=(".env", SECRET_PATH),
    )
    second = committing(services.scan_request, project=project, actor=owner)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("succeeded", "succeeded")
    return project, first, second
