"""12- or 24-hour times, the viewer's (issue 13): from the browser's language (Accept-Language),
as CLDR's defaults have it for the common cases: English in the United States, Canada,
Australia, New Zealand, India, the Philippines, Pakistan and Bangladesh reads "9:30 AM",
English in Britain or Ireland and most other languages read "09:30".
"""

from __future__ import annotations

import re

from django.http import HttpRequest

# Regions whose people read a 12-hour clock (CLDR's "h:mm a" time format), whatever the
# language, and languages that do when no region is given.
TWELVE_HOUR_REGIONS = frozenset({"US", "CA", "AU", "NZ", "IN", "PH", "PK", "BD", "EG", "SA"})
TWELVE_HOUR_LANGUAGES = frozenset({"en", "hi", "bn", "ur", "ar"})

# Regions whose calendars start the week on Sunday (CLDR's firstDay "sun", the common ones);
# elsewhere the week starts on Monday.
SUNDAY_FIRST_REGIONS = frozenset(
    {"US", "CA", "MX", "BR", "JP", "KR", "CN", "TW", "HK", "IN", "PH", "PK", "BD", "IL", "SA",
     "ZA", "AU", "NZ", "CO", "PE", "VE", "GT", "PR", "SG", "TH", "ID", "KE"}
)  # fmt: skip
SUNDAY_FIRST_LANGUAGES = frozenset({"en", "hi", "ja", "ko", "zh", "he", "pt"})
MONDAY, SUNDAY = 0, 6

_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_](?:[a-zA-Z]{4}[-_])?([a-zA-Z]{2}|\d{3}))?$")


def _language_and_region(header: str) -> tuple[str, str] | None:
    """The first (most wanted) tag of an Accept-Language header, as (language, REGION)."""
    first = header.split(",", 1)[0].split(";", 1)[0].strip()
    match = _TAG.match(first)
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").upper()


def clock_for_language(header: str) -> str:
    """ "12" or "24" for an Accept-Language header."""
    tag = _language_and_region(header)
    if tag is None:
        return "24"
    language, region = tag
    if region:
        return "12" if region in TWELVE_HOUR_REGIONS else "24"
    return "12" if language in TWELVE_HOUR_LANGUAGES else "24"


def week_start_for_language(header: str) -> int:
    """The weekday a calendar's week starts on for an Accept-Language header: 0 is Monday,
    6 Sunday (the numbering of Python's calendar module)."""
    tag = _language_and_region(header)
    if tag is None:
        return MONDAY
    language, region = tag
    if region:
        return SUNDAY if region in SUNDAY_FIRST_REGIONS else MONDAY
    return SUNDAY if language in SUNDAY_FIRST_LANGUAGES else MONDAY


def clock(request: HttpRequest) -> dict[str, object]:
    """Context processor: `clock` for the `hm` filter (apps.core.templatetags.ui) and
    `week_start` for month calendars."""
    header = request.headers.get("Accept-Language", "")
    return {"clock": clock_for_language(header), "week_start": week_start_for_language(header)}
