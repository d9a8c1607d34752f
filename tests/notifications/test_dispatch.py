"""The dispatcher and the delivery task: each row sent once whatever is delivered twice or
run twice; a claim whose worker died is taken again after its lease; failures back off and
give up; bad data is recorded on its row and never stops the batch; a row whose dedupe key
exists is not written again."""

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from apps.notifications import kinds, services
from apps.notifications.dispatch import backoff, claim_due, deliver, hand_over
from apps.notifications.models import Delivery, Notification
from tests.factories import MembershipFactory

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


class _Sessions:
    """Mail connections as the SMTP backend makes them: counted, and the first `fail`
    sends on them fail as a server that hung up does."""

    def __init__(self, fail: int = 0) -> None:
        self.opened = 0
        self.sent: list[str] = []
        self.fail = fail

    def __call__(self):
        sessions = self

        class Backend:
            def open(self):
                sessions.opened += 1

            def close(self):
                pass

            def send_messages(self, messages):
                if sessions.fail:
                    sessions.fail -= 1
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                sessions.sent.extend(m.to[0] for m in messages)
                return len(messages)

        return Backend()


def test_rows_are_handed_over_by_agency_in_pieces(engineer, settings, monkeypatch):
    settings.NOTIFY_DELIVER_CHUNK = 2
    other = MembershipFactory(role="engineer")
    published = []

    def publish(*, kwargs):  # no broker needed
        published.append(kwargs)

    monkeypatch.setattr(deliver, "apply_async", publish)
    rows = [(f"a{n}", engineer.agency_id) for n in range(3)] + [("b0", other.agency_id)]
    assert hand_over(rows) == 4
    assert published == [
        {"agency_id": str(engineer.agency_id), "delivery_ids": ["a0", "a1"]},
        {"agency_id": str(engineer.agency_id), "delivery_ids": ["a2"]},
        {"agency_id": str(other.agency_id), "delivery_ids": ["b0"]},
    ]


def test_a_piece_of_emails_shares_one_mail_connection(engineer, monkeypatch):
    sessions = _Sessions()
    monkeypatch.setattr("apps.notifications.mail.get_connection", sessions)
    with time_machine.travel(NOW, tick=False):
        _due(engineer, 3)
        ids = [str(pk) for pk in Delivery.objects.values_list("pk", flat=True)]
        assert deliver(agency_id=str(engineer.agency_id), delivery_ids=ids) == "sent: 3"
    assert sessions.opened == 1
    assert sessions.sent == [engineer.user.email] * 3


def test_a_connection_lost_mid_piece_costs_one_row_an_attempt_and_the_rest_go_out(
    engineer, monkeypatch
):
    sessions = _Sessions(fail=1)
    monkeypatch.setattr("apps.notifications.mail.get_connection", sessions)
    with time_machine.travel(NOW, tick=False):
        _due(engineer, 3)
        ids = [
            str(pk)
            for pk in Delivery.objects.order_by("created_at", "pk").values_list("pk", flat=True)
        ]
        assert deliver(agency_id=str(engineer.agency_id), delivery_ids=ids) == "retry: 1, sent: 2"
    assert sessions.opened == 2  # a fresh connection after the lost one
    assert len(sessions.sent) == 2
    retried = Delivery.objects.get(status="pending")
    assert retried.attempts == 1
    assert "SMTPServerDisconnected" in retried.last_error
    assert retried.due_at > NOW  # backed off
