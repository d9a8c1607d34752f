"""Forms for the agency side of booking: the bookings filter, cancelling, a host's weekly
schedule and date overrides, consultation types (offers) and the booking policy."""

from __future__ import annotations

from datetime import time
from itertools import pairwise
from typing import cast

from django import forms
from django.utils.text import slugify

from apps.accounts.validators import time_zone_choices, validate_time_zone
from apps.agencies.forms import MemberChoiceField
from apps.bookings import limits
from apps.bookings.models import Booking, BookingPolicy, ConsultationType, WeeklyRange
from apps.bookings.selectors import schedulable_members
from apps.core.forms import AgencyForm, DurationField
from apps.core.validators import validate_date_in_range

MIDNIGHT = time(0)
# Notice is typed in the unit a person thinks in and kept in minutes.
NOTICE_UNITS = (("minutes", 1), ("hours", 60), ("days", 60 * 24))
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# A range row's field is named d<weekday>_<row>_<start|end>.
_ROW_KEY_UNDERSCORES = 2


def _hhmm(value: time) -> str:
    return "24:00" if value == MIDNIGHT else value.strftime("%H:%M")


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """A model choice field of `form`, to narrow its queryset to the agency's rows."""
    return cast(forms.ModelChoiceField, form.fields[name])


class HostChoiceField(forms.ModelMultipleChoiceField):
    """Staff as checkboxes, each saying whether they can be booked yet."""

    def label_from_instance(self, obj) -> str:
        label = obj.user.display_name
        if getattr(obj, "schedule", None) is None:
            label += " (no schedule yet: not bookable until they set one)"
        return label


# --- Bookings list ---------------------------------------------------------------------------


class BookingFilterForm(AgencyForm):
    """The list's and week view's query string. Only admins get the host filter."""

    view = forms.ChoiceField(
        choices=[("list", "List"), ("week", "Week")], required=False, widget=forms.HiddenInput
    )
    when = forms.ChoiceField(
        choices=[("upcoming", "Upcoming"), ("past", "Past")],
        required=False,
        widget=forms.HiddenInput,
    )
    week = forms.DateField(
        required=False, widget=forms.HiddenInput, label="Week", validators=[validate_date_in_range]
    )
    host = MemberChoiceField(queryset=None, required=False, empty_label="Everyone", label="Host")
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Booking.Status.choices], required=False, label="Status"
    )

    def __init__(self, *args, agency, can_filter_hosts: bool, **kwargs):
        super().__init__(*args, agency=agency, **kwargs)
        if can_filter_hosts:
            _choices(self, "host").queryset = schedulable_members(agency=agency)
        else:
            del self.fields["host"]


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=limits.REASON_MAX_LENGTH,
        label="Reason",
        help_text="Sent to the booker in the cancellation email, so say it the way you would "
        "to them.",
        widget=forms.Textarea({"rows": 3}),
        error_messages={"required": "Please say why, so the booker knows."},
    )


# --- Availability ----------------------------------------------------------------------------


class MemberPickForm(AgencyForm):
    """Whose availability an admin is looking at (?member=)."""

    member = MemberChoiceField(queryset=None, label="Person", empty_label=None)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, agency=agency, **kwargs)
        _choices(self, "member").queryset = schedulable_members(agency=agency)


def _check_ranges(form: forms.Form, rows: list[tuple[str, str]]) -> list:
    """Read range rows (pairs of field names) of one day: both ends or neither, the end after
    the start (00:00 means midnight), no overlap. Errors go beside the field concerned."""
    ranges = []
    for start_name, end_name in rows:
        start, end = form.cleaned_data.get(start_name), form.cleaned_data.get(end_name)
        if start_name in form.errors or end_name in form.errors:
            continue
        if start is None and end is None:
            continue
        if start is None:
            form.add_error(start_name, "Give a start time, or clear the end time.")
        elif end is None:
            form.add_error(end_name, "Give an end time, or clear the start time.")
        elif end != MIDNIGHT and end <= start:
            form.add_error(
                end_name,
                f"The end ({end:%H:%M}) must be after the start ({start:%H:%M}). "
                "To work until midnight, end at 00:00.",
            )
        else:
            ranges.append((start, end, start_name))
    ranges.sort(key=lambda r: r[0])
    for (a_start, a_end, _), (b_start, b_end, b_name) in pairwise(ranges):
        if a_end == MIDNIGHT or b_start < a_end:
            form.add_error(
                b_name,
                f"{b_start:%H:%M} to {_hhmm(b_end)} overlaps {a_start:%H:%M} to "
                f"{_hhmm(a_end)}. Join them into one range or move one.",
            )
    return [(start, end) for start, end, _ in ranges]


class ScheduleForm(forms.Form):
    """A host's week: their time zone and, per weekday, rows of start and end times. Each day
    has the rows it already uses plus two empty ones; saving makes room for more."""

    SPARE_ROWS = 2
    MAX_ROWS = 12

    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        validators=[validate_time_zone],
        label="Time zone",
        help_text="The hours below are in this zone; bookers see them in theirs.",
    )

    def __init__(self, *args, weekly: dict[int, list[tuple[time, time]]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        weekly = weekly or {}
        self.day_rows: dict[int, list[tuple[str, str]]] = {}
        for weekday, day_label in WeeklyRange.Weekday.choices:
            used = len(weekly.get(weekday, []))
            count = min(self.MAX_ROWS, max(used + self.SPARE_ROWS, self._posted_rows(weekday)))
            rows = []
            for i in range(count):
                start_name, end_name = f"d{weekday}_{i}_start", f"d{weekday}_{i}_end"
                self.fields[start_name] = forms.TimeField(
                    required=False, widget=TIME_WIDGET, label=f"{day_label}, range {i + 1}: from"
                )
                self.fields[end_name] = forms.TimeField(
                    required=False, widget=TIME_WIDGET, label=f"{day_label}, range {i + 1}: until"
                )
                if i < used:
                    start, end = weekly[weekday][i]
                    self.initial.setdefault(start_name, start)
                    self.initial.setdefault(end_name, end)
                rows.append((start_name, end_name))
            self.day_rows[weekday] = rows

    def _posted_rows(self, weekday: int) -> int:
        """As many rows as the submitted form had, so no typed range is dropped."""
        if not self.is_bound:
            return 0
        prefix = f"d{weekday}_"
        indexes = [
            int(key.split("_")[1])
            for key in self.data
            if key.startswith(prefix)
            and key.count("_") == _ROW_KEY_UNDERSCORES
            and key.split("_")[1].isdigit()
        ]
        return max(indexes) + 1 if indexes else 0

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        self.weekly = {
            weekday: _check_ranges(self, rows) for weekday, rows in self.day_rows.items()
        }
        return cleaned

    def days(self):
        """For the template: (weekday, its name, [(start field, end field), ...])."""
        labels = dict(WeeklyRange.Weekday.choices)
        return [
            (weekday, labels[weekday], [(self[s], self[e]) for s, e in rows])
            for weekday, rows in self.day_rows.items()
        ]


class OverrideForm(forms.Form):
    """One date with different hours, or a day off."""

    RANGE_ROWS = 3

    day = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="A date in your schedule's time zone.",
        validators=[validate_date_in_range],
    )
    day_off = forms.BooleanField(required=False, label="Day off (not bookable at all)")
    note = forms.CharField(
        max_length=limits.OVERRIDE_NOTE_MAX_LENGTH,
        required=False,
        label="Note",
        help_text="Only staff see it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.range_rows = []
        for i in range(self.RANGE_ROWS):
            start_name, end_name = f"r{i}_start", f"r{i}_end"
            self.fields[start_name] = forms.TimeField(
                required=False, widget=TIME_WIDGET, label=f"Range {i + 1}: from"
            )
            self.fields[end_name] = forms.TimeField(
                required=False, widget=TIME_WIDGET, label=f"Range {i + 1}: until"
            )
            self.range_rows.append((start_name, end_name))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        self.ranges = _check_ranges(self, self.range_rows)
        has_times = any(cleaned.get(name) is not None for row in self.range_rows for name in row)
        if cleaned.get("day_off") and has_times:
            self.add_error("day_off", "Choose either a day off or hours for the day, not both.")
        elif not cleaned.get("day_off") and not has_times and not self.errors:
            self.add_error(
                "r0_start", "Give the hours you are available that day, or tick “Day off”."
            )
        return cleaned

    def rows(self):
        return [(self[s], self[e]) for s, e in self.range_rows]


# --- Offers and policy -----------------------------------------------------------------------


class OfferForm(AgencyForm):
    name = forms.CharField(
        max_length=limits.OFFER_NAME_MAX_LENGTH,
        label="Name",
        help_text="Such as “Prototype review”.",
    )
    slug = forms.SlugField(
        max_length=limits.OFFER_SLUG_MAX_LENGTH,
        required=False,
        label="Address",
        help_text="The end of the public link, in lower case; made from the name if left empty.",
    )
    description = forms.CharField(
        max_length=limits.OFFER_DESCRIPTION_MAX_LENGTH,
        required=False,
        label="Description",
        widget=forms.Textarea({"rows": 3}),
        help_text="Shown to bookers: what the consultation covers and how to prepare.",
    )
    duration_minutes = forms.IntegerField(
        min_value=limits.MIN_DURATION_MINUTES,
        max_value=limits.MAX_DURATION_MINUTES,
        initial=30,
        label="Length (minutes)",
    )
    interval_minutes = forms.IntegerField(
        min_value=limits.MIN_INTERVAL_MINUTES,
        max_value=limits.MAX_INTERVAL_MINUTES,
        initial=30,
        label="Start times every (minutes)",
        help_text="How far apart the start times offered are.",
    )
    buffer_before_minutes = forms.IntegerField(
        min_value=0,
        max_value=limits.MAX_BUFFER_MINUTES,
        initial=0,
        label="Free time before (minutes)",
    )
    buffer_after_minutes = forms.IntegerField(
        min_value=0,
        max_value=limits.MAX_BUFFER_MINUTES,
        initial=0,
        label="Free time after (minutes)",
    )
    minimum_notice_minutes = DurationField(
        units=NOTICE_UNITS,
        max_value=limits.MAX_MINIMUM_NOTICE_MINUTES,
        initial=240,
        label="Minimum notice",
        help_text="Nobody can book a time sooner than this from now.",
    )
    booking_window_days = forms.IntegerField(
        min_value=limits.MIN_BOOKING_WINDOW_DAYS,
        max_value=limits.MAX_BOOKING_WINDOW_DAYS,
        initial=60,
        label="Bookable up to (days ahead)",
    )
    daily_cap = forms.IntegerField(
        min_value=limits.MIN_DAILY_CAP,
        max_value=limits.MAX_DAILY_CAP,
        required=False,
        label="Most bookings per host per day",
        help_text="Leave empty for no limit.",
    )
    location = forms.ChoiceField(
        choices=ConsultationType.Location.choices,
        initial=ConsultationType.Location.VIDEO,
        label="How you meet",
    )
    location_detail = forms.CharField(
        max_length=limits.LOCATION_DETAIL_MAX_LENGTH,
        required=False,
        label="Video link or phone number",
        help_text="Sent in the confirmation and the calendar invitation.",
    )
    hosts = HostChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Hosts",
        help_text="Who takes these consultations; only people with weekly hours can be booked.",
    )
    host_choice = forms.ChoiceField(
        choices=ConsultationType.HostChoice.choices,
        initial=ConsultationType.HostChoice.ROUND_ROBIN,
        label="Who hosts a booking",
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label="Open for booking (shown on the public page)"
    )

    FIELDSETS = (
        ("About", ("name", "slug", "description", "is_active")),
        (
            "Timing",
            (
                "duration_minutes", "interval_minutes", "buffer_before_minutes",
                "buffer_after_minutes", "minimum_notice_minutes", "booking_window_days",
                "daily_cap",
            ),
        ),
        ("Where", ("location", "location_detail")),
        ("Hosting", ("hosts", "host_choice")),
    )  # fmt: skip

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, agency=agency, **kwargs)
        _choices(self, "hosts").queryset = schedulable_members(agency=agency)

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].lower()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("slug") and cleaned.get("name"):
            cleaned["slug"] = slugify(cleaned["name"])[:60]
            if not cleaned["slug"]:
                self.add_error("slug", "Give the address in plain letters and digits.")
        return cleaned

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]


class PolicyForm(forms.Form):
    cancel_notice_hours = DurationField(
        units=(("hours", 1), ("days", 24)),
        max_value=limits.MAX_CANCEL_NOTICE_HOURS,
        label="Minimum notice to cancel or reschedule",
        help_text="Later than this, bookers are asked to reply to their confirmation email.",
    )
    max_reschedules = forms.IntegerField(
        min_value=0,
        max_value=limits.MAX_RESCHEDULES,
        label="Reschedules allowed per booking",
    )
    privacy_notice = forms.CharField(
        max_length=limits.PRIVACY_NOTICE_MAX_LENGTH,
        label="Privacy notice",
        widget=forms.Textarea({"rows": 6}),
        help_text="Bookers agree to it before booking. Say what you use their details for and "
        "for how long you keep them.",
    )
    confirm_by_email = forms.BooleanField(
        required=False,
        label="Ask bookers to confirm by email",
        help_text="A new booking is only held, for a few minutes, until the booker opens the "
        "link we email them and confirms; an unconfirmed hold is released. Turn it on when "
        "people book times they do not mean to keep, or give addresses that are not theirs.",
    )

    @staticmethod
    def initial_from(policy: BookingPolicy) -> dict:
        return {
            "cancel_notice_hours": policy.cancel_notice_hours,
            "max_reschedules": policy.max_reschedules,
            "privacy_notice": policy.privacy_notice,
            "confirm_by_email": policy.confirm_by_email,
        }
