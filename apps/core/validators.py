"""Dates from outside (API bodies and filters, forms, page query strings) must lie within
`INPUT_DATE_RANGE_YEARS` of today: one check for every door, so that a year-9999 day never
reaches date arithmetic (which overflows into a 500) and a mistyped year 2206 is caught.

`validate_date_in_range` is the validator for forms and serializers; `InputDateField` and
`InputDateTimeField` are the API's fields (strict ISO 8601, as the schema says, and in range);
`day_from_query` and `instant_from_query` read a page's query string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

from apps.core.errors import ApplicationError

Moment = TypeVar("Moment", bound=date)  # a date, or a datetime (which is one)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAYS_PER_YEAR = 365.25


def date_bounds() -> tuple[date, date]:
    """The first and last day accepted from outside, around today (UTC)."""
    today = timezone.now().date()
    span = timedelta(days=round(settings.INPUT_DATE_RANGE_YEARS * _DAYS_PER_YEAR))
    return today - span, today + span


def date_range_refusal(value: date | datetime) -> str | None:
    """Why `value` is outside the accepted range, in words a person can act on, or None."""
    day = value.date() if isinstance(value, datetime) else value
    first, last = date_bounds()
    if first <= day <= last:
        return None
    return (
        f"{day.isoformat()} is too far from today: give a date between {first.isoformat()} "
        f"and {last.isoformat()}."
    )


def validate_date_in_range(value: date | datetime) -> None:
    """The validator for form and serializer fields holding a date or a date and time."""
    message = date_range_refusal(value)
    if message:
        raise ValidationError(message, code="date_out_of_range")


class InputDateField(serializers.DateField):
    """A day as YYYY-MM-DD exactly (the schema's `format: date`; DRF alone also takes
    `2026-3-1` and `20260301`), within the accepted range."""

    default_error_messages = {"invalid": "Give a date as YYYY-MM-DD, e.g. 2026-03-10."}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_date_in_range)

    def to_internal_value(self, value):
        if isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()):
            self.fail("invalid")
        return super().to_internal_value(value)


class InputDateTimeField(serializers.DateTimeField):
    """A date and time within the accepted range."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_date_in_range)


def _from_query(value: str | None, parse: Callable[[str], Moment]) -> Moment | None:
    try:
        parsed = parse(value) if value else None
    except ValueError:
        return None
    if parsed is not None and (message := date_range_refusal(parsed)):
        raise ApplicationError(message, code="date_out_of_range")
    return parsed


def day_from_query(value: str | None) -> date | None:
    """A day from a page's query string. Absent or malformed: None, as if not given (links
    are hand-edited; the page then shows its default). Out of range: a 400 page saying so."""
    return _from_query(value, date.fromisoformat)


def instant_from_query(value: str | None) -> datetime | None:
    """A date and time (ISO 8601) from a page's query string or a hidden form field, as
    `day_from_query` reads a day."""
    return _from_query(value, datetime.fromisoformat)
