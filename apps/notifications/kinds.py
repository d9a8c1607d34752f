"""The kinds of message the outbox sends, and who renders each.

A kind is declared by the app that owns its subject (bookings renders booking mail, scans a
failed scan) in its `AppConfig.ready()`, so this app sends what it cannot import: the layers
put it below them. A renderer reads the subject as it is when sending and returns what to
send, or raises `Drop` when the message is no longer true (the booking was cancelled, the
invitation accepted) or `Undeliverable` when it never can be (the recipient is gone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.notifications.models import Delivery


class Drop(Exception):  # noqa: N818 - an outcome, not a fault
    """Not sent, and rightly so: `str(exc)` says why (kept on the row)."""


class Undeliverable(Exception):  # noqa: N818 - an outcome the row records
    """Bad data: the row fails at once with this reason; the batch goes on."""


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str = ""
    # Each attached file: its name, content and MIME type.
    attachments: tuple[tuple[str, str | bytes, str], ...] = ()


@dataclass(frozen=True)
class InApp:
    title: str
    body: str = ""
    url: str = ""


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # on the email preferences page
    description: str = ""
    # Security mail and what a booking needs cannot be switched off.
    optional: bool = True
    email: Callable[[Delivery], Email] | None = None
    in_app: Callable[[Delivery], InApp] | None = None
    # Who may switch it off, for the preferences page: staff, client contacts, or both.
    audiences: frozenset[str] = field(default_factory=lambda: frozenset({"staff", "client"}))


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Declare a kind (from an AppConfig.ready()); declaring the same key again replaces it."""
    _kinds[kind.key] = kind
    return kind


def get(key: str) -> Kind:
    try:
        return _kinds[key]
    except KeyError:
        raise Undeliverable(f"no kind {key!r} is registered") from None


def every() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: k.key)


def optional() -> list[Kind]:
    return [kind for kind in every() if kind.optional]
