"""Consultation booking: the offers (consultation types) and their hosts, each host's weekly
availability and date overrides, the agency's booking policy, and the bookings themselves.

No double booking is the database's job: on PostgreSQL an exclusion constraint (added in
migration 0002, PostgreSQL only; since 0003 it covers holds too) forbids two confirmed or
held bookings of one host whose blocked ranges (the meeting plus its buffers) overlap. On
SQLite the booking service checks and inserts inside one IMMEDIATE transaction, which SQLite
runs one at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.accounts.validators import validate_time_zone
from apps.bookings import limits
from apps.core.models import TenantOwnedModel, TenantQuerySet
from apps.projects.profile import Platform


class ConsultationTypeQuerySet(TenantQuerySet["ConsultationType"]):
    def published(self) -> Self:
        return self.filter(is_active=True)


ConsultationTypeManager = models.Manager.from_queryset(ConsultationTypeQuerySet)


class ConsultationType(TenantOwnedModel):
    """An offer people can book, such as "Prototype review, 45 minutes"."""

    class Location(models.TextChoices):
        VIDEO = "video", "Video call"
        PHONE = "phone", "Phone call"

    class HostChoice(models.TextChoices):
        ROUND_ROBIN = "round_robin", "Round robin (the least busy free host)"
        BOOKER_PICKS = "booker_picks", "The booker picks a host"

    name = models.CharField(max_length=limits.OFFER_NAME_MAX_LENGTH)
    slug = models.SlugField(max_length=limits.OFFER_SLUG_MAX_LENGTH)
    description = models.TextField(max_length=limits.OFFER_DESCRIPTION_MAX_LENGTH, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[
            MinValueValidator(limits.MIN_DURATION_MINUTES),
            MaxValueValidator(limits.MAX_DURATION_MINUTES),
        ],
    )
    interval_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[
            MinValueValidator(limits.MIN_INTERVAL_MINUTES),
            MaxValueValidator(limits.MAX_INTERVAL_MINUTES),
        ],
        help_text="How far apart start times are offered.",
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(limits.MAX_BUFFER_MINUTES)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(limits.MAX_BUFFER_MINUTES)]
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        default=240, validators=[MaxValueValidator(limits.MAX_MINIMUM_NOTICE_MINUTES)]
    )
    booking_window_days = models.PositiveSmallIntegerField(
        default=60,
        validators=[
            MinValueValidator(limits.MIN_BOOKING_WINDOW_DAYS),
            MaxValueValidator(limits.MAX_BOOKING_WINDOW_DAYS),
        ],
    )
    daily_cap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(limits.MIN_DAILY_CAP),
            MaxValueValidator(limits.MAX_DAILY_CAP),
        ],
        help_text="Most bookings of this type per host per day; empty for no limit.",
    )
    location = models.CharField(max_length=8, choices=Location.choices, default=Location.VIDEO)
    location_detail = models.CharField(
        max_length=limits.LOCATION_DETAIL_MAX_LENGTH,
        blank=True,
        help_text="The video link or the phone number.",
    )
    host_choice = models.CharField(
        max_length=16, choices=HostChoice.choices, default=HostChoice.ROUND_ROBIN
    )
    is_active = models.BooleanField(default=True, help_text="Shown on the public booking page.")

    objects: ClassVar[ConsultationTypeManager] = ConsultationTypeManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "slug"],
                name="consultation_type_slug_per_agency",
                violation_error_message="Another offer already uses this address.",
            ),
        ]
        indexes = [models.Index(fields=["agency", "name", "id"], name="offer_agency_order")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class ConsultationHost(TenantOwnedModel):
    """A staff member who takes bookings of a type; higher priority wins round-robin ties."""

    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.CASCADE, related_name="hosts"
    )
    membership = models.ForeignKey(
        "agencies.Membership", on_delete=models.CASCADE, related_name="hosting"
    )
    priority = models.SmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation_type", "membership"], name="consultation_host_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} hosts {self.consultation_type_id}"


class Schedule(TenantOwnedModel):
    """A host's availability: weekly ranges in their own time zone, plus date overrides."""

    membership = models.OneToOneField(
        "agencies.Membership", on_delete=models.CASCADE, related_name="schedule"
    )
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])

    def __str__(self) -> str:
        return f"Schedule of {self.membership_id} ({self.time_zone})"


class WeeklyRange(TenantOwnedModel):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="weekly")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.start and self.end and self.end != self.end.min and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})


class DateOverride(TenantOwnedModel):
    """Different hours on one date of the host's calendar; no ranges means a day off."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    day = models.DateField()
    ranges = models.JSONField(default=list, blank=True, help_text='[["09:00", "12:00"], ...]')
    note = models.CharField(max_length=limits.OVERRIDE_NOTE_MAX_LENGTH, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["schedule", "day"], name="override_one_per_day"),
        ]
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.ranges or 'day off'}"


class BookingPolicy(TenantOwnedModel):
    """The agency's rules for the people who book, and the privacy notice they agree to."""

    cancel_notice_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MaxValueValidator(limits.MAX_CANCEL_NOTICE_HOURS)],
        help_text="Bookers cannot cancel or reschedule later than this before the meeting.",
    )
    max_reschedules = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(limits.MAX_RESCHEDULES)]
    )
    confirm_by_email = models.BooleanField(
        default=False,
        help_text="Hold a new booking only briefly until the booker confirms it from the link "
        "we email them; an unconfirmed hold expires and frees the time.",
    )
    privacy_notice = models.TextField(
        max_length=limits.PRIVACY_NOTICE_MAX_LENGTH,
        default=(
            "We use the details you give here only to prepare and hold this consultation and "
            "to follow up on it. We keep them for as long as we work together, or 12 months "
            "if we do not, and you can ask us to see or delete them at any time."
        ),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency"], name="booking_policy_once")]
        verbose_name_plural = "booking policies"

    def __str__(self) -> str:
        return f"Booking policy of {self.agency_id}"


class BookingQuerySet(TenantQuerySet["Booking"]):
    def confirmed(self) -> Self:
        return self.filter(status=Booking.Status.CONFIRMED)

    def blocking(self, now: datetime) -> Self:
        """What takes a host's time at `now`: confirmed bookings and holds not yet expired."""
        return self.filter(
            Q(status=Booking.Status.CONFIRMED)
            | Q(status=Booking.Status.PENDING, hold_expires_at__gt=now)
        )

    def expired_holds(self, now: datetime) -> Self:
        return self.filter(status=Booking.Status.PENDING, hold_expires_at__lte=now)


BookingManager = models.Manager.from_queryset(BookingQuerySet)


class Booking(TenantOwnedModel):
    class Status(models.TextChoices):
        # Held for the booker until they confirm from the emailed link (where the agency asks
        # for it), or until `hold_expires_at`, when the hold is deleted and the time freed.
        PENDING = "pending", "Awaiting the booker's confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.PROTECT, related_name="bookings"
    )
    # Empty only for past bookings of someone who has since left the agency: a member with
    # upcoming bookings cannot be removed (agencies.services.membership_remove).
    host = models.ForeignKey(
        "agencies.Membership",
        null=True,
        on_delete=models.SET_NULL,
        related_name="hosted_bookings",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The meeting plus its buffers: what the exclusion constraint keeps apart.
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # The booker and their answers (the intake that can become a client and engagement).
    booker_name = models.CharField(max_length=limits.BOOKER_NAME_MAX_LENGTH)
    booker_email = models.EmailField(max_length=limits.BOOKER_EMAIL_MAX_LENGTH)
    booker_company = models.CharField(max_length=limits.BOOKER_COMPANY_MAX_LENGTH, blank=True)
    booker_time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    booker_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    prototype_url = models.URLField(max_length=limits.PROTOTYPE_URL_MAX_LENGTH, blank=True)
    platform = models.CharField(max_length=16, choices=Platform.choices, blank=True)
    expected_users = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(limits.MAX_EXPECTED_USERS)]
    )
    compliance = models.JSONField(default=list, blank=True)
    notes = models.TextField(max_length=limits.NOTES_MAX_LENGTH, blank=True)
    consent_at = models.DateTimeField()
    # A double submit of the same form carries the same key and finds the first booking.
    idempotency_key = models.CharField(max_length=64)
    # iCalendar: one UID for the booking's life, SEQUENCE bumped on every change.
    sequence = models.PositiveIntegerField(default=0)
    notified_sequence = models.IntegerField(default=-1)
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=limits.REASON_MAX_LENGTH, blank=True)
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )

    objects: ClassVar[BookingManager] = BookingManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "idempotency_key"], name="booking_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=models.F("start"), blocked_end__gte=models.F("end")),
                name="booking_blocked_covers_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(hold_expires_at__isnull=False),
                name="booking_hold_expires",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "host", "start"], name="booking_host_start"),
            models.Index(fields=["agency", "status", "start"], name="booking_status_start"),
            models.Index(fields=["agency", "booker_email"], name="booking_booker_email"),
            # The bookings list's sort key, unique (apps.core.api cursor pagination).
            models.Index(fields=["agency", "start", "id"], name="booking_agency_order"),
        ]

    def __str__(self) -> str:
        return f"{self.booker_email} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def ical_uid(self) -> str:
        return f"booking-{self.pk}@launchpad"


class BookingEvent(TenantOwnedModel):
    """The booking's history: booked, confirmed (from the emailed link), rescheduled (from,
    to), cancelled, no-show, converted."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed by the booker from the emailed link"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Marked as no-show"
        CONVERTED = "converted", "Turned into a client and engagement"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_booker = models.BooleanField(default=False)
    old_start = models.DateTimeField(null=True, blank=True)
    new_start = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=limits.REASON_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.booking_id}"
