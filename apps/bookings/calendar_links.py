""" "Add to your calendar" links for a confirmed booking: Google Calendar and Outlook take the
event in their address (the visitor's click opens them; nothing is fetched from here), Apple
Calendar and the rest take the booking's .ics file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"


@dataclass(frozen=True)
class CalendarLinks:
    google: str
    outlook: str


def calendar_links(
    *, title: str, start: datetime, end: datetime, details: str, location: str
) -> CalendarLinks:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    google = GOOGLE + "?" + urlencode({
        "action": "TEMPLATE", "text": title, "dates": f"{stamp(start)}/{stamp(end)}",
        "details": details, "location": location,
    })  # fmt: skip
    outlook = OUTLOOK + "?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": title,
        "startdt": start.astimezone(UTC).isoformat(), "enddt": end.astimezone(UTC).isoformat(),
        "body": details, "location": location,
    })  # fmt: skip
    return CalendarLinks(google=google, outlook=outlook)
