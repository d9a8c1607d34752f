"""A real Celery worker on Redis sends the invitation email, a delivery handed to it on commit by
the web side."""

import os
import uuid

import pytest

from apps.agencies import services
from apps.agencies.models import Invitation
from apps.agencies.roles import Role
from tests.factories import MembershipFactory
from tests.server.conftest import database_url, publishing_to_redis, start_worker, wait_until
from tests.support.server import SERVER_TEST_MARKS

pytestmark = SERVER_TEST_MARKS


@pytest.fixture
def worker(processes, tmp_path):
    """A worker on a queue of its own, so runs never pick up each other's messages; this
    process publishes to Redis instead of running tasks in-process."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": f"filemail:///{outbox}",  # four slashes: an absolute path
        "SITE_URL": "https://launchpad.example.com",
        "DEBUG": "false",
    }
    log = tmp_path / "worker.log"
    start_worker(processes, queue=queue, env=env, log=log)
    with publishing_to_redis(task_default_queue=queue):
        yield outbox, log


def test_invitation_email_is_sent_by_the_worker(worker):
    outbox, log = worker
    owner = MembershipFactory(role=Role.OWNER)
    invitation, raw = services.invitation_create(
        actor=owner, email="hire@example.test", role=Role.ENGINEER
    )  # committed (transactional test), so on_commit publishes to Redis now

    files = wait_until(lambda: list(outbox.iterdir()), timeout=60, what="the email file")
    message = files[0].read_text()
    assert "To: hire@example.test" in message
    assert f"https://launchpad.example.com/invitations/{raw}/" in message
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert invitation.send_count == 1
    assert "succeeded" in log.read_text()
    assert Invitation.objects.count() == 1
