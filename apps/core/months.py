"""A month as a calendar page: its weeks, in the order the viewer's week starts, and its
address in a query string (`?month=2026-12`). Used by the booking page (the free days) and by
the availability page (the date overrides)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from apps.core.errors import ApplicationError
from apps.core.validators import date_range_refusal

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_LAST_MONTH = 12


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def key(self) -> str:
        """The month's address: "2026-12"."""
        return f"{self.year:04d}-{self.month:02d}"

    def previous(self) -> Month:
        if self.month == 1:
            return Month(self.year - 1, _LAST_MONTH)
        return Month(self.year, self.month - 1)

    def next(self) -> Month:
        if self.month == _LAST_MONTH:
            return Month(self.year + 1, 1)
        return Month(self.year, self.month + 1)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.last.day)]

    def weeks(self, first_weekday: int = 0) -> list[list[date | None]]:
        """The month's days by week, Monday first (0) or Sunday first (6); None pads the
        first and last week."""
        return [
            [day if day.month == self.month else None for day in week]
            for week in calendar.Calendar(first_weekday).monthdatescalendar(self.year, self.month)
        ]


def month_from_query(value: str | None) -> Month | None:
    """A month from `?month=YYYY-MM`, read as `core.validators.day_from_query` reads a day:
    absent or malformed, None (the page shows its default); outside the dates the product
    accepts, a 400 page saying so."""
    match = _MONTH.match((value or "").strip())
    if not match or int(match.group(1)) < 1 or not 1 <= int(match.group(2)) <= _LAST_MONTH:
        return None
    candidate = Month(int(match.group(1)), int(match.group(2)))
    message = date_range_refusal(candidate.first) and date_range_refusal(candidate.last)
    if message:
        raise ApplicationError(message, code="date_out_of_range")
    return candidate


def weekday_names(first_weekday: int = 0) -> list[tuple[str, str]]:
    """(short, full) weekday names in the calendar's column order."""
    order = [(first_weekday + n) % 7 for n in range(7)]
    return [(calendar.day_abbr[d][:2], calendar.day_name[d]) for d in order]
