"""Keyset ("cursor") pagination for HTML lists ordered by (-created_at, -id).

Each page is one indexed range query, so a deep page costs what the first does; the cursor is
signed so a hand-edited one is simply ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core import signing
from django.db.models import Q, QuerySet

_SALT = "launchpad.keyset"


@dataclass
class KeysetPage:
    items: list
    next_url: str | None
    is_first: bool
    first_url: str


def keyset_page(qs: QuerySet, *, cursor: str | None, size: int, query) -> KeysetPage:
    position = None
    if cursor:
        try:
            created, pk = signing.loads(cursor, salt=_SALT)
            position = (datetime.fromisoformat(created), pk)
        except (signing.BadSignature, ValueError, TypeError):
            position = None
    # The order the cursor reads is set here, so a caller's ordering cannot drift from it:
    # (created_at, id) is unique, so rows sharing a timestamp are each shown exactly once.
    qs = qs.order_by("-created_at", "-id")
    if position:
        created_at, pk = position
        qs = qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    rows = list(qs[: size + 1])
    params = {k: v for k, v in query.items() if k != "cursor" and v}
    next_url = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        token = signing.dumps([last.created_at.isoformat(), str(last.pk)], salt=_SALT)
        next_url = "?" + urlencode({**params, "cursor": token})
    return KeysetPage(
        items=rows,
        next_url=next_url,
        is_first=position is None,
        first_url="?" + urlencode(params) if params else "?",
    )
