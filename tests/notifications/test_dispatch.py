"""The dispatcher and the delivery task: each row sent once whatever is delivered twice or
run twice; a claim whose worker died is taken again after its lease; failures back off and
give up; bad data is recorded on its row and never stops the batch; a row whose dedupe key
exists is not written again."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from apps.notifications import kinds, services
from apps.notifications.dispatch import backoff, claim_due, deliver
from apps.notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
KIND = "test.notice"


@pytest.fixture(autouse=True)
def test_kind():
    def email(row):
        if row.payload.get("explode"):
            raise kinds.Undeliverable("the subject is gone")
        if row.payload.get("flaky"):
            raise OSError("Connection refused")
        return kinds.Email(to=row.user.email, subject="Hello", text="Hi")

    def in_app(row):
        return kinds.InApp(title="Hello")

    kinds.register(kinds.Kind(key=KIND, label="Test", email=email, in_app=in_app))
    yield
    kinds._kinds.pop(KIND, None)


def _due(member, n, **payload):
    for i in range(n):
        services.schedule(
            agency=member.agency, kind=KIND, channel="email", user=member.user,
            dedupe_key=f"t:{i}:{sorted(payload.items())}", due_at=NOW - timedelta(minutes=1),
            payload=payload,
        )  # fmt: skip


def test_a_dedupe_key_is_written_once(engineer, committing):
    for _ in range(3):
        committing(
            services.notify, agency=engineer.agency, kind=KIND, user=engineer.user,
            dedupe_key="same",
        )  # fmt: skip
    assert Delivery.objects.count() == 2  # one per channel
    assert Notification.objects.count() == 1


def test_a_message_delivered_twice_sends_once(engineer, dispatch):
    with time_machine.travel(NOW, tick=False):
        _due(engineer, 1)
        row = Delivery.objects.get()
        assert dispatch() == 1
        assert deliver(agency_id=str(row.agency_id), delivery_id=str(row.pk)) == "nothing to do"
        assert dispatch() == 0
    assert len(mail.outbox) == 1


def test_a_claim_whose_worker_died_is_taken_again_after_its_lease(engineer, dispatch, settings):
    with time_machine.travel(NOW, tick=False) as clock:
        _due(engineer, 3)
        # A dispatch whose worker never ran the tasks (killed, or the broker lost them).
        assert len(claim_due(limit=10)) == 3
        assert dispatch() == 0  # all three are claimed
        clock.shift(timedelta(seconds=settings.NOTIFY_LEASE_SECONDS + 1))
        assert dispatch() == 3
        assert dispatch() == 0
    assert len(mail.outbox) == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_bad_data_fails_its_row_and_the_batch_goes_on(engineer, dispatch):
    with time_machine.travel(NOW, tick=False):
        _due(engineer, 2)
        _due(engineer, 1, explode=True)
        dispatch()
    assert len(mail.outbox) == 2
    failed = Delivery.objects.get(status="failed")
    assert (failed.last_error, failed.attempts) == ("the subject is gone", 1)


def test_a_failing_send_backs_off_then_gives_up_with_its_error(engineer, dispatch, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    with time_machine.travel(NOW, tick=False) as clock:
        _due(engineer, 1, flaky=True)
        dispatch()
        row = Delivery.objects.get()
        assert (row.status, row.attempts) == ("pending", 1)
        assert timedelta(seconds=24) <= row.due_at - NOW <= timedelta(seconds=36)
        assert "Connection refused" in row.last_error
        for _ in range(5):
            clock.shift(timedelta(hours=1))
            dispatch()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error.startswith("Gave up after 3 attempts")
    assert mail.outbox == []


def test_backoff_doubles_with_jitter_and_is_capped():
    for attempts, base in ((1, 30), (2, 60), (3, 120), (12, 3600)):
        for _ in range(20):
            assert base * 0.8 <= backoff(attempts).total_seconds() <= base * 1.2


def test_the_dispatcher_costs_the_same_sql_for_ten_rows_as_for_a_hundred(engineer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (10, 100):
        Delivery.objects.all().delete()
        with time_machine.travel(NOW, tick=False):
            _due(engineer, n)
            with CaptureQueriesContext(connection) as queries:
                assert len(claim_due(limit=500)) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
