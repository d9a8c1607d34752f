"""The outbox on the real stack (issue 12): a Celery worker and two beat processes on Redis,
PostgreSQL, a local SMTP server and a local webhook receiver. Due deliveries go out; the
worker is killed with SIGKILL mid-batch, in the middle of sending an email, and started
again; every email and every webhook arrives exactly once, counted at the receivers."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.agencies.roles import Role
from apps.core import crypto
from apps.notifications.models import Delivery, WebhookEndpoint
from tests.factories import MembershipFactory, ScanFactory
from tests.notifications.conftest import Receiver
from tests.server.conftest import BIN, database_url, start_worker, wait_until
from tests.server.smtp import SmtpSink
from tests.support.server import SERVER_TEST_MARKS

pytestmark = SERVER_TEST_MARKS

EMAILS = 25
WEBHOOKS = 25


def _rows(agency, endpoint, scan, members) -> list[Delivery]:
    due = timezone.now() - timedelta(seconds=5)
    rows = [
        Delivery(
            agency=agency, kind="scan.failed", channel="email", user=member.user,
            subject_type="scans.scan", subject_id=str(scan.pk), due_at=due,
            dedupe_key=f"proc:{member.pk}",
        )
        for member in members
    ]  # fmt: skip
    rows += [
        Delivery(
            agency=agency, kind="scan.finished", channel="webhook", endpoint=endpoint,
            due_at=due, dedupe_key=f"proc:hook:{n}",
            payload={"id": f"evt_{n}", "type": "scan.finished", "agency": agency.slug,
                     "created": due.isoformat(), "data": {"n": n}},
        )
        for n in range(WEBHOOKS)
    ]  # fmt: skip
    return rows


def test_every_email_and_webhook_arrives_once_through_a_killed_worker_and_two_beats(
    processes, tmp_path
):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    receiver = Receiver()
    with SmtpSink() as smtp:
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEBUG": "false",
            "DATABASE_URL": database_url(),
            "REDIS_URL": os.environ["REDIS_URL"],
            "EMAIL_URL": smtp.url,
            "SITE_URL": "https://launchpad.example.com",
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "NOTIFY_LEASE_SECONDS": "4",
            "NOTIFY_BATCH_SIZE": "10",
            "NOTIFY_DISPATCH_EVERY_SECONDS": "1",
            "WEBHOOK_ALLOW_HTTP": "true",
            "WEBHOOK_BLOCK_PRIVATE_NETWORKS": "false",
            "ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        }
        owner = MembershipFactory(role=Role.OWNER)
        agency = owner.agency
        members = [MembershipFactory(agency=agency, role=Role.ENGINEER) for _ in range(EMAILS)]
        scan = ScanFactory(agency=agency, status="failed", failure_reason="Clone failed.")
        endpoint = WebhookEndpoint.objects.create(
            agency=agency, url=receiver.url, events=["scan.finished"],
            secret_encrypted=crypto.encrypt("whsec_test"),
        )  # fmt: skip
        smtp.stall_next.set()  # the first email is held at RCPT: the worker is killed then
        Delivery.objects.bulk_create(_rows(agency, endpoint, scan, members))

        worker_log = tmp_path / "worker-1.log"
        worker = start_worker(processes, queue=queue, env=env, log=worker_log)
        for n in (1, 2):  # the second beat, as if started by mistake beside the first
            processes(
                [str(BIN / "celery"), "-A", "config", "beat", "-l", "INFO",
                 "-s", str(tmp_path / f"beat-{n}.schedule")],
                env=env, log=tmp_path / f"beat-{n}.log",
            )  # fmt: skip
        assert smtp.stalled.wait(60), "no email was sent"
        os.killpg(worker.pid, signal.SIGKILL)  # mid-batch, mid-send
        worker.wait(timeout=15)
        start_worker(processes, queue=queue, env=env, log=tmp_path / "worker-2.log")

        def all_arrived() -> bool:
            return len(smtp.messages) >= EMAILS and len(receiver.requests) >= WEBHOOKS

        wait_until(all_arrived, timeout=120, interval=0.5, what="every email and webhook")
        # Beats keep dispatching for a while: nothing more may arrive.
        wait_until(
            lambda: not Delivery.objects.filter(status="pending").exists(),
            timeout=30, what="the outbox to drain",
        )  # fmt: skip
        time.sleep(4)
        emails = Counter(smtp.recipients)
        hooks = Counter(json.loads(r["body"])["id"] for r in receiver.requests)
    receiver.close()
    assert sorted(emails) == sorted(m.user.email for m in members)
    assert set(emails.values()) == {1}, emails.most_common(3)
    assert sorted(hooks) == sorted(f"evt_{n}" for n in range(WEBHOOKS))
    assert set(hooks.values()) == {1}, hooks.most_common(3)
    assert Counter(Delivery.objects.values_list("status", flat=True)) == {"sent": EMAILS + WEBHOOKS}
