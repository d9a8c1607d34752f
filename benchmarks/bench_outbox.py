"""The outbox at size: due deliveries across many agencies drained by two Celery worker
processes against a local SMTP server and a local webhook receiver. Prints deliveries per
second, the same as a ratio to sending the same emails directly (no outbox, one process, in
the same run), and the dispatcher's SQL per batch at two batch sizes (constant, not per row).

Needs PostgreSQL (migrated) and Redis, and the dev install (aiosmtpd):

    export DATABASE_URL=postgres://launchpad_app@127.0.0.1:5432/launchpad_bench
    export REDIS_URL=redis://127.0.0.1:6379/0
    .venv/bin/python benchmarks/bench_outbox.py --rows 100000 --agencies 100

Half the rows are emails (a failed-scan notice to a member), half webhooks (to one endpoint
per agency). Its agencies (slugs `bench-outbox-*`) are made once and kept; the deliveries
are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("WEBHOOK_ALLOW_HTTP", "true")
os.environ.setdefault("WEBHOOK_BLOCK_PRIVATE_NETWORKS", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.mail import EmailMessage, get_connection  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.agencies.models import Agency, Membership  # noqa: E402
from apps.core import crypto  # noqa: E402
from apps.core.tenancy import cross_agency  # noqa: E402
from apps.notifications.dispatch import claim_due  # noqa: E402
from apps.notifications.models import Delivery, WebhookEndpoint  # noqa: E402
from apps.scans.models import Scan  # noqa: E402
from tests.factories import MembershipFactory, ScanFactory  # noqa: E402
from tests.notifications.conftest import Receiver  # noqa: E402
from tests.server.smtp import SmtpSink  # noqa: E402

PREFIX = "bench-outbox"


def seed(rows: int, agencies: int, receiver_url: str) -> None:
    due = timezone.now() - timedelta(seconds=1)
    per_agency = rows // agencies
    batch: list[Delivery] = []
    for a in range(agencies):
        agency, members, scan, endpoint = _tenant(f"{PREFIX}-{a:03d}", receiver_url)
        for n in range(per_agency):
            if n % 2:
                batch.append(Delivery(
                    agency=agency, kind="scan.finished", channel="webhook", endpoint=endpoint,
                    due_at=due, dedupe_key=f"bench:{n}",
                    payload={"id": f"evt_{a}_{n}", "type": "scan.finished", "data": {}},
                ))  # fmt: skip
            else:
                batch.append(Delivery(
                    agency=agency, kind="scan.failed", channel="email",
                    user=members[n % len(members)].user, subject_type="scans.scan",
                    subject_id=str(scan.pk), due_at=due, dedupe_key=f"bench:{n}",
                ))  # fmt: skip
            if len(batch) >= 5000:
                Delivery.objects.bulk_create(batch)
                batch = []
    Delivery.objects.bulk_create(batch)


def _tenant(slug: str, receiver_url: str):
    """The bench agency at `slug` (made once, kept between runs): ten members, a failed scan
    and an endpoint pointed at this run's receiver."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        agency = MembershipFactory(role="owner", agency__slug=slug).agency
        for _ in range(9):
            MembershipFactory(agency=agency, role="engineer")
        ScanFactory(agency=agency, status="failed", failure_reason="Clone failed.")
        WebhookEndpoint.objects.create(
            agency=agency, url=receiver_url, events=["scan.finished"],
            secret_encrypted=crypto.encrypt("whsec_bench"),
        )  # fmt: skip
    WebhookEndpoint.objects.filter(agency=agency).update(url=receiver_url, is_active=True)
    members = list(Membership.objects.filter(agency=agency).select_related("user"))
    scan = Scan.objects.filter(agency=agency, status="failed").first()
    endpoint = WebhookEndpoint.objects.get(agency=agency)
    return agency, members, scan, endpoint


def sql_per_batch(limit: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        claimed = claim_due(limit=limit)
    # Give the claims back: the workers send them.
    with cross_agency("benchmark"):
        Delivery.objects.filter(pk__in=[pk for pk, _ in claimed]).update(claimed_until=None)
    return len(queries)


def direct_rate(smtp: SmtpSink, count: int) -> float:
    """Baseline: the same kind of email sent straight to the SMTP server, one connection
    per message as Django's backend does for each delivery."""
    started = time.perf_counter()
    for n in range(count):
        backend = get_connection("django.core.mail.backends.smtp.EmailBackend",
                                 host="127.0.0.1", port=smtp.port)  # fmt: skip
        EmailMessage("Scan failed", "Body", to=[f"direct{n}@bench.test"], connection=backend).send()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL to a migrated PostgreSQL database and REDIS_URL.")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    receiver = Receiver()
    workers: list[subprocess.Popen] = []
    with SmtpSink() as smtp, cross_agency("benchmark"):
        Delivery.objects.filter(agency__slug__startswith=PREFIX).delete()
        seed(args.rows, args.agencies, receiver.url)
        total = Delivery.objects.filter(agency__slug__startswith=PREFIX).count()
        small, large = sql_per_batch(10), sql_per_batch(settings.NOTIFY_BATCH_SIZE)
        baseline = direct_rate(smtp, 500)
        smtp.messages.clear()
        smtp.envelopes.clear()
        env = {**os.environ, "EMAIL_URL": smtp.url, "CELERY_TASK_DEFAULT_QUEUE": queue,
               "ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
               "NOTIFY_DISPATCH_EVERY_SECONDS": "1"}  # fmt: skip
        celery = str(ROOT / ".venv" / "bin" / "celery")
        for n in range(args.workers):
            workers.append(subprocess.Popen(
                [celery, "-A", "config", "worker", "-Q", queue, "-c", "1", "-l", "WARNING",
                 "-n", f"bench{n}@%h", "--without-gossip", "--without-mingle"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
        workers.append(subprocess.Popen(
            [celery, "-A", "config", "beat", "-l", "WARNING", "-s", f"/tmp/{queue}.schedule"],  # noqa: S108
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        started = time.perf_counter()
        pending = total
        try:
            while pending:
                time.sleep(2)
                pending = Delivery.objects.filter(
                    agency__slug__startswith=PREFIX, status="pending"
                ).count()
                print(f"  {total - pending}/{total} sent, {time.perf_counter() - started:.0f} s",
                      flush=True)  # fmt: skip
            elapsed = time.perf_counter() - started
        finally:
            for proc in workers:
                proc.terminate()
            for proc in workers:
                proc.wait(timeout=30)
        emails, hooks = len(smtp.messages), len(receiver.requests)
        Delivery.objects.filter(agency__slug__startswith=PREFIX).delete()
    receiver.close()
    rate = total / elapsed
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"rows: {total} across {args.agencies} agencies, {args.workers} worker processes")
    print(f"received: {emails} emails, {hooks} webhooks (each once: {emails + hooks == total})")
    print(f"outbox: {rate:.0f} deliveries/s ({elapsed:.1f} s)")
    print(f"direct SMTP send, one process: {baseline:.0f} emails/s; outbox / direct: "
          f"{rate / baseline:.2f}")  # fmt: skip
    print(f"dispatcher SQL per batch: {small} at 10 rows, {large} at "
          f"{settings.NOTIFY_BATCH_SIZE} rows")  # fmt: skip


if __name__ == "__main__":
    main()
