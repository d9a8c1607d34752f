"""A Redis outage on the real stack (issue 11): gunicorn, a Celery worker and a Redis of the
test's own, which the test stops and starts. While Redis is down a signed-in page, sign-in,
the public booking page and the booking API answer without a 500, `/readyz` says "degraded"
(200) where a lost database says 503, and a booking made during the outage is stored and its
emails go out exactly once after Redis returns (the notifications outbox,
apps.notifications), counted at a local SMTP server the worker sends to."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import time as clock
import urllib.parse
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import redis
from allauth.account.models import EmailAddress
from django.urls import reverse

from apps.agencies.roles import Role
from apps.bookings import services
from apps.bookings.models import Booking
from apps.notifications.dispatch import dispatch_deliveries
from apps.notifications.models import Delivery
from tests.factories import PASSWORD, MembershipFactory
from tests.server.conftest import (
    free_port,
    publishing_to_redis,
    start_worker,
    wait_until,
)
from tests.server.smtp import SmtpSink
from tests.support.gunicorn import production_env, start_gunicorn
from tests.support.server import SERVER_TEST_MARKS

pytestmark = SERVER_TEST_MARKS

EVERY_DAY = {day: [(time(8), time(18))] for day in range(7)}


class OwnRedis:
    """A Redis on a port of its own, nothing saved to disk, stopped and started at will."""

    def __init__(self, processes, tmp_path: Path) -> None:
        self.processes, self.tmp_path = processes, tmp_path
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = self.processes(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            env={},
            log=self.tmp_path / f"redis-{uuid.uuid4().hex[:6]}.log",
        )
        wait_until(self._answers, what="redis to answer")

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=15)


class Browser:
    """One client speaking to gunicorn as the TLS proxy would (X-Forwarded-Proto: https),
    keeping its cookies by hand (they are Secure) and following no redirect."""

    def __init__(self, base: str) -> None:
        self.host, self.port = urllib.parse.urlsplit(base).netloc.split(":")
        self.cookies: dict[str, str] = {}
        self.last_page = ""

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str):
        connection = http.client.HTTPConnection(self.host, int(self.port), timeout=30)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", **headers}
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        connection.close()
        return response.status, text

    def sign_in(self, email: str, password: str) -> int:
        path = reverse("account_login")
        _, page = self.request("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "login": email, "password": password}
        ).encode()
        status, self.last_page = self.request(
            "POST",
            path,
            body,
            **{
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"https://127.0.0.1{path}",
            },
        )
        return status


def _env(redis_url: str, smtp: SmtpSink, **extra: str) -> dict[str, str]:
    return production_env(
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        EMAIL_URL=smtp.url,
        SITE_URL="https://launchpad.example.com",
        **extra,
    )


def _status(base: str, path: str) -> tuple[int, dict]:
    status, text = Browser(base).request("GET", path)
    return status, json.loads(text)


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


def test_a_redis_outage_degrades_and_loses_nothing(
    processes, tmp_path, monkeypatch, settings, smtp
):
    own = OwnRedis(processes, tmp_path)
    own.start()
    env = _env(own.url, smtp)
    base, _ = start_gunicorn(processes, tmp_path, env=env)
    worker_log = tmp_path / "worker.log"
    start_worker(
        processes, queue="default", env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev",
                                         "DEBUG": "false"}, log=worker_log
    )  # fmt: skip

    owner = MembershipFactory(role=Role.OWNER)
    user = owner.user
    # The tests hash with MD5, which the production settings of gunicorn do not read.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    EmailAddress.objects.filter(user=user).update(verified=True, primary=True)
    services.schedule_save(actor=owner, member=owner, time_zone="UTC", weekly=EVERY_DAY)
    offer = services.offer_save(
        actor=owner,
        hosts=[owner],
        name="Prototype review",
        slug="prototype-review",
        duration_minutes=30,
        interval_minutes=30,
        minimum_notice_minutes=0,
        booking_window_days=60,
        location="video",
        location_detail="https://meet.example/northwind",
    )
    signed_in = Browser(base)
    assert signed_in.sign_in(user.email, PASSWORD) == 302, signed_in.last_page

    own.stop()

    status, body = _status(base, "/readyz")
    assert (status, body["status"], body["degraded"]) == (200, "degraded", ["redis"])
    assert signed_in.request("GET", reverse("profile"))[0] == 200
    assert Browser(base).sign_in(user.email, PASSWORD) == 302
    page = reverse("book_offer", args=[offer.agency.slug, offer.slug])
    assert Browser(base).request("GET", page)[0] == 200
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), time(10), UTC)
    status, text = Browser(base).request(
        "POST",
        reverse("api_public_bookings", args=[offer.agency.slug, offer.slug]),
        json.dumps(
            {
                "start": start.isoformat(),
                "time_zone": "UTC",
                "name": "Fran Founder",
                "email": "fran@acme.test",
                "consent": True,
            }
        ).encode(),
        **{"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert status == 201, text
    assert Booking.objects.filter(consultation_type=offer).count() == 1
    notices = Delivery.objects.filter(kind="booking.notice")
    assert list(notices.values_list("status", flat=True)) == ["pending", "pending"]

    # The database is what makes an instance unfit: 503, where Redis alone was 200.
    dead_db = tmp_path / "dead-db"
    dead_db.mkdir()
    lost, _ = start_gunicorn(
        processes,
        dead_db,
        env=_env(own.url, smtp, DATABASE_URL="postgres://launchpad_app@127.0.0.1:1/none"),
    )
    status, body = _status(lost, "/readyz")
    assert (status, body["status"], body["checks"]["database"]) == (
        503,
        "unavailable",
        "unreachable",
    )

    # Nothing was mailed while Redis was away (the worker had no message to take).
    assert smtp.recipients == []

    own.start()
    status, body = _status(base, "/readyz")
    assert (status, body) == (200, {"status": "ok", "checks": {"database": "ok", "redis": "ok"}})
    # Beat's sweep, run here: it publishes the booking's emails once.
    with publishing_to_redis(broker_url=own.url):
        assert dispatch_deliveries() == 2  # the booker's and the host's
        wait_until(lambda: len(smtp.recipients) >= 2, timeout=60, what="the booking's emails")
        assert dispatch_deliveries() == 0
    # Exactly once: the booker and the host, one message each, and nothing more arrives.
    clock.sleep(3)
    assert smtp.recipients == sorted(["fran@acme.test", user.email])
    assert len(smtp.messages) == 2
    assert list(notices.values_list("status", flat=True)) == ["sent", "sent"]
    assert "succeeded" in worker_log.read_text()
