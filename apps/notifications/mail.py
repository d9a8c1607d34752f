"""The email channel: opt-outs honoured at send time, a one-click unsubscribe on every email
a person may switch off (RFC 8058), and no remote content."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from apps.core.site import site_url
from apps.notifications import kinds
from apps.notifications.models import Delivery, EmailOptOut

_SALT = "launchpad.notifications.unsubscribe"


def unsubscribe_token(*, kind: str, user_id: object = None, subject_id: str = "") -> str:
    # No expiry: an unsubscribe link must work whenever the email is read.
    return signing.dumps({"k": kind, "u": str(user_id or ""), "s": subject_id}, salt=_SALT)


def read_unsubscribe_token(token: str) -> dict[str, str]:
    """The token's kind, user id and subject id; signing.BadSignature when forged."""
    data = signing.loads(token, salt=_SALT)
    if not isinstance(data, dict) or not {"k", "u", "s"} <= set(data):
        raise signing.BadSignature("malformed")
    return {key: str(data[key]) for key in ("k", "u", "s")}


def unsubscribe_url(row: Delivery) -> str:
    token = unsubscribe_token(
        kind=row.kind,
        user_id=row.user_id,
        subject_id="" if row.user_id else row.subject_id,
    )
    return site_url() + reverse("notifications_unsubscribe", args=[token])


def opted_out(row: Delivery) -> bool:
    if row.user_id:
        return EmailOptOut.objects.filter(
            user_id=row.user_id, kind=row.kind, subject_id=""
        ).exists()
    return EmailOptOut.objects.filter(
        user__isnull=True, kind=row.kind, subject_id=row.subject_id
    ).exists()


class Connection:
    """One connection to the mail server for a piece of deliveries, opened at its first
    email: a fresh SMTP session per message costs more than the message."""

    def __init__(self) -> None:
        self._backend: Any = None

    def backend(self) -> Any:
        if self._backend is None:
            backend = get_connection()
            backend.open()  # a refusal here is that row's failed attempt
            self._backend = backend
        return self._backend

    def reset(self) -> None:
        """After a failed send: the next email opens a new connection."""
        if self._backend is not None:
            with suppress(Exception):  # the server may have hung up already
                self._backend.close()
            self._backend = None


@contextmanager
def connection() -> Iterator[Connection]:
    held = Connection()
    try:
        yield held
    finally:
        held.reset()


def send(
    row: Delivery, kind: kinds.Kind, email: kinds.Email, *, connection: Connection | None = None
) -> None:
    if not email.to:
        raise kinds.Undeliverable("no address to send to")
    if kind.optional and opted_out(row):
        raise kinds.Drop("switched off by the recipient")
    headers = {"Auto-Submitted": "auto-generated", "X-Launchpad-Kind": row.kind}
    text, html = email.text, email.html
    if kind.optional:
        url = unsubscribe_url(row)
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        footer = {"url": url, "label": kind.label}
        text = text.rstrip() + "\n\n" + render_to_string("notifications/email/footer.txt", footer)
        if html:
            html_footer = render_to_string("notifications/email/footer.html", footer)
            html = (
                html.replace("</body>", html_footer + "</body>")
                if "</body>" in html
                else html + html_footer
            )
    message = EmailMultiAlternatives(
        subject=email.subject, body=text, to=[email.to], headers=headers,
        connection=connection.backend() if connection is not None else None,
    )  # fmt: skip
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in email.attachments:
        message.attach(filename, content, mimetype)
    message.send()
