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

_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_](?:[a-zA-Z]{4}[-_])?([a-zA-Z]{2}|\d{3}))?$")


def clock_for_language(header: str) -> str:
    """ "12" or "24" for an Accept-Language header (its first, most wanted, tag)."""
    first = header.split(",", 1)[0].split(";", 1)[0].strip()
    match = _TAG.match(first)
    if not match:
        return "24"
    language, region = match.group(1).lower(), (match.group(2) or "").upper()
    if region:
        return "12" if region in TWELVE_HOUR_REGIONS else "24"
    return "12" if language in TWELVE_HOUR_LANGUAGES else "24"


def clock(request: HttpRequest) -> dict[str, str]:
    """Context processor: `clock` for the `hm` filter (apps.core.templatetags.ui)."""
    return {"clock": clock_for_language(request.headers.get("Accept-Language", ""))}
