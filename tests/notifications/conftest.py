"""Outbox fixtures: a host in Berlin, an offer, a way to make a booking at a given time, a
webhook receiver on 127.0.0.1, and the dispatcher run as beat would."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from apps.bookings import services as booking_services
from apps.notifications.dispatch import dispatch_deliveries
from apps.notifications.models import Delivery
from tests.bookings.conftest import booker, make_host, make_offer  # noqa: F401

BERLIN = "Europe/Berlin"


@pytest.fixture
def host(make_host):  # noqa: F811
    return make_host(time_zone=BERLIN, email="hana.host@agency.test", name="Hana Host")


@pytest.fixture
def offer(make_offer, host):  # noqa: F811
    return make_offer([host])


@pytest.fixture
def book(offer, host, booker, committing):  # noqa: F811
    counter = iter(range(10_000))

    def make(start: datetime, **booker_fields):
        return committing(
            booking_services.booking_create,
            consultation_type=offer, start=start, consent=True, host=host,
            idempotency_key=f"notify-{next(counter)}", booker=booker(**booker_fields),
        ).booking  # fmt: skip

    return make


@pytest.fixture
def dispatch(django_capture_on_commit_callbacks):
    """Beat's dispatcher, run now; returns how many deliveries it handed over."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return dispatch_deliveries()

    return run


def sent_to(kind: str) -> list[str]:
    """The recipients of the emails of `kind` sent so far (locmem backend)."""
    return sorted(
        address
        for message in mail.outbox
        if message.extra_headers.get("X-Launchpad-Kind") == kind
        for address in message.to
    )


def statuses(kind: str) -> list[str]:
    return sorted(Delivery.objects.filter(kind=kind).values_list("status", flat=True))


class Receiver:
    """A webhook receiver on 127.0.0.1: answers with the next of `codes` (the last one
    repeated) and keeps every request."""

    def __init__(self, codes=(200,)) -> None:
        self.codes = list(codes)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                code = receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0]
                self.send_response(code)
                self.end_headers()
                self.wfile.write(json.dumps({"received": code == 200}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/launchpad"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(codes=(200,)) -> Receiver:
        made.append(Receiver(codes))
        return made[-1]

    yield make
    for r in made:
        r.close()
