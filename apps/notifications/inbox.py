"""The in-app channel: a notice in the member's notification centre."""

from __future__ import annotations

from apps.notifications.kinds import InApp, Undeliverable
from apps.notifications.models import Delivery, Notification


def post(row: Delivery, notice: InApp) -> Notification:
    if row.user is None:
        raise Undeliverable("an in-app notice needs a person")
    return Notification.objects.create(
        agency_id=row.agency_id,
        user=row.user,
        kind=row.kind,
        title=notice.title[:200],
        body=notice.body,
        url=notice.url[:500],
    )
