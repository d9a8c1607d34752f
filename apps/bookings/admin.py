"""Operators' admin for booking: offers, hosts, schedules, policies, bookings and their
history. Read-only except a booking's status, which an operator may fix (a no-show marked
by mistake, a meeting called off by phone): the status only, with no email to anyone and
no booking event; the audit trail records who changed it."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.accounts.admin_site import OperatorModelAdmin
from apps.bookings.models import (
    Booking,
    BookingEvent,
    BookingPolicy,
    ConsultationHost,
    ConsultationType,
    DateOverride,
    Schedule,
    WeeklyRange,
)


@admin.register(ConsultationType)
class ConsultationTypeAdmin(OperatorModelAdmin):
    list_display = ["name", "slug", "duration_minutes", "location", "is_active"]
    list_filter = ["is_active", "location"]
    search_fields = ["name", "slug"]


@admin.register(ConsultationHost)
class ConsultationHostAdmin(OperatorModelAdmin):
    list_display = ["consultation_type", "membership", "priority"]
    search_fields = ["consultation_type__name", "membership__user__email"]
    list_select_related = ["consultation_type", "membership__user"]


@admin.register(Schedule)
class ScheduleAdmin(OperatorModelAdmin):
    list_display = ["membership", "time_zone"]
    search_fields = ["membership__user__email"]
    list_select_related = ["membership__user"]


@admin.register(WeeklyRange)
class WeeklyRangeAdmin(OperatorModelAdmin):
    list_display = ["schedule", "weekday", "start", "end"]
    list_filter = ["weekday"]
    list_select_related = ["schedule"]


@admin.register(DateOverride)
class DateOverrideAdmin(OperatorModelAdmin):
    list_display = ["schedule", "day", "note"]
    list_select_related = ["schedule"]
    date_hierarchy = "day"


@admin.register(BookingPolicy)
class BookingPolicyAdmin(OperatorModelAdmin):
    list_display = ["__str__", "cancel_notice_hours", "max_reschedules"]


# What an operator may set. Each of these is a state the booking services also reach; a
# status outside it (a booker's hold awaiting their confirmation) is the booker's step.
OPERATOR_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.CANCELLED, Booking.Status.NO_SHOW)
# Rows in these statuses free their time: every other status holds it (the exclusion
# constraint's WHERE clause on PostgreSQL).
FREES_ITS_TIME = (Booking.Status.CANCELLED, Booking.Status.NO_SHOW)


class BookingStatusForm(forms.ModelForm):
    status = forms.ChoiceField(
        choices=[(status.value, status.label) for status in OPERATOR_STATUSES]
    )

    class Meta:
        model = Booking
        fields = ["status"]

    def clean_status(self) -> str:
        """Giving a booking its time back must not double-book its host. The database's
        exclusion constraint is the wall; this says so as a form error instead of a 500."""
        status = self.cleaned_data["status"]
        booking = self.instance
        takes_time_back = booking.status in FREES_ITS_TIME and status not in FREES_ITS_TIME
        if takes_time_back and booking.host_id is not None:
            overlapping = (
                Booking.objects.for_agency(booking.agency)
                .exclude(status__in=FREES_ITS_TIME)
                .filter(
                    host_id=booking.host_id,
                    blocked_start__lt=booking.blocked_end,
                    blocked_end__gt=booking.blocked_start,
                )
                .exclude(pk=booking.pk)
            )
            if overlapping.exists():
                raise ValidationError(
                    "The host is already booked at this time: cancel or move the other "
                    "booking first.",
                    code="slot_taken",
                )
        return status


@admin.register(Booking)
class BookingAdmin(OperatorModelAdmin):
    form = BookingStatusForm
    list_display = ["start", "booker_name", "booker_email", "consultation_type", "host", "status"]
    list_filter = ["status"]
    search_fields = ["booker_email", "booker_name", "booker_company"]
    list_select_related = ["consultation_type", "host__user"]
    date_hierarchy = "start"
    editable_fields = ("status",)


@admin.register(BookingEvent)
class BookingEventAdmin(OperatorModelAdmin):
    list_display = ["created_at", "booking", "kind", "by_booker", "actor"]
    list_filter = ["kind", "by_booker"]
    search_fields = ["booking__booker_email"]
    list_select_related = ["booking", "actor"]
