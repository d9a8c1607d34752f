"""A real SMTP server in the test process (aiosmtpd), for tests whose mail is sent by other
processes (a Celery worker, gunicorn): it counts what arrives, as a mail relay would see it."""

from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller

from tests.server.conftest import free_port


class _Collect:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ARG002 - aiosmtpd's hook
        envelope.rcpt_tos.append(address)
        if self.sink.stall_next.is_set():
            # Hold this message before its DATA: a sender killed now never completed it.
            self.sink.stall_next.clear()
            self.sink.stalled.set()
            await asyncio.sleep(self.sink.stall_seconds)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ARG002 - aiosmtpd calls the hook with all three
        self.sink.record(envelope.rcpt_tos, message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"


class SmtpSink:
    """Listens on 127.0.0.1 at `port` until `stop()`; `messages` is every message received,
    with `recipients` beside it (the envelope's, which is who the mail really went to)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self.messages: list[Message] = []
        self.envelopes: list[list[str]] = []
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)
        # Set `stall_next` to hold the next message at RCPT for `stall_seconds`; `stalled`
        # says when one is held (a test kills its sender then).
        self.stall_next, self.stalled = threading.Event(), threading.Event()
        self.stall_seconds = 30.0

    def record(self, recipients: list[str], message: Message) -> None:
        with self._lock:
            self.envelopes.append(list(recipients))
            self.messages.append(message)

    @property
    def recipients(self) -> list[str]:
        with self._lock:
            return sorted(address for envelope in self.envelopes for address in envelope)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
