"""Background work for bookings: the confirmation, change and cancellation emails with their
iCalendar invitations, to the booker and the host; the email that asks a booker to confirm a
hold, and the sweep that releases expired holds."""

from __future__ import annotations

import logging
import zoneinfo

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.agencies.models import Agency
from apps.bookings.ics import booking_ics
from apps.bookings.models import Booking, BookingEvent
from apps.bookings.tokens import confirm_code, manage_token
from apps.core import outbox
from apps.core.tenancy import cross_agency, tenant_context

logger = logging.getLogger(__name__)


def queue_notifications(booking: Booking, *, event: str) -> None:
    """Email both sides once the change is committed; through the outbox, so that a broker
    outage neither fails the booking nor loses its emails. The reminders follow the booking
    and `event` goes to the agency's webhooks (apps.bookings.reminders)."""
    from apps.bookings import reminders  # noqa: PLC0415 - reminders renders with these helpers

    outbox.enqueue(send_booking_notifications, agency=booking.agency, booking_id=str(booking.pk))
    reminders.follow(booking, event=event)


def queue_confirmation_request(booking: Booking) -> None:
    """Email the booker the link that confirms their hold, once the hold is committed."""
    outbox.enqueue(
        send_booking_confirmation_request, agency=booking.agency, booking_id=str(booking.pk)
    )


def manage_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse("booking_manage", args=[manage_token(booking)])


def confirm_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse(
        "booking_confirm", args=[manage_token(booking), confirm_code(booking)]
    )


def _local(moment, zone_name: str) -> str:
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone_name))
    return f"{local:%A %-d %B %Y, %H:%M} ({zone_name})"


# Mail tasks: retried with backoff while the mail server cannot be reached.
EMAIL_TASK = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def _locked_booking(agency: Agency, booking_id: str) -> Booking | None:
    """The booking, locked for this mail task's transaction, with what the mail names."""
    return (
        Booking.objects.for_agency(agency)
        .select_for_update(of=("self",))
        .select_related("consultation_type", "host__user", "agency")
        .filter(pk=booking_id)
        .first()
    )


@shared_task(**EMAIL_TASK)
def send_booking_notifications(*, agency_id: str, booking_id: str) -> bool:
    """Send the emails for the booking's current version, once: a repeated delivery, or one
    overtaken by a later change, finds `notified_sequence` caught up and sends nothing."""
    agency = Agency.objects.get(pk=agency_id)
    with tenant_context(agency), transaction.atomic():
        booking = _locked_booking(agency, booking_id)
        if booking is None or booking.notified_sequence >= booking.sequence:
            return False
        if booking.status == Booking.Status.PENDING:
            return False  # a hold: nobody is invited until the booker confirms it
        # What to say follows from the booking's state, not from the order of its events
        # (two events can share a timestamp).
        if booking.status == Booking.Status.CANCELLED:
            kind = BookingEvent.Kind.CANCELLED
        elif booking.reschedule_count:
            kind = BookingEvent.Kind.RESCHEDULED
        else:
            kind = BookingEvent.Kind.BOOKED
        event = booking.events.filter(kind=kind).order_by("-created_at").first()
        _send(booking, kind, event)
        booking.notified_sequence = booking.sequence
        booking.save(update_fields=["notified_sequence", "updated_at"])
    logger.info("booking %s notified (sequence %s, %s)", booking_id, booking.sequence, kind)
    return True


@shared_task(**EMAIL_TASK)
def send_booking_confirmation_request(*, agency_id: str, booking_id: str) -> bool:
    """Email the booker of a hold the link that confirms it, once (`confirmation_sent_at`),
    and not at all once the hold is confirmed, expired or gone."""
    agency = Agency.objects.get(pk=agency_id)
    with tenant_context(agency), transaction.atomic():
        booking = _locked_booking(agency, booking_id)
        now = timezone.now()
        if booking is None or booking.status != Booking.Status.PENDING:
            return False
        if booking.confirmation_sent_at is not None:
            return False
        if booking.hold_expires_at is None or booking.hold_expires_at <= now:
            return False
        context = {
            "booking": booking,
            "when": _local(booking.start, booking.booker_time_zone),
            "until": _local(booking.hold_expires_at, booking.booker_time_zone),
            "confirm_url": confirm_url(booking),
        }
        EmailMultiAlternatives(
            subject=f"Confirm your {booking.consultation_type.name} with {booking.agency.name}",
            body=render_to_string("bookings/email/confirm_request.txt", context),
            to=[booking.booker_email],
        ).send()
        booking.confirmation_sent_at = now
        booking.save(update_fields=["confirmation_sent_at", "updated_at"])
    logger.info("booking %s: confirmation requested", booking_id)
    return True


@shared_task(acks_late=True)
def release_expired_booking_holds() -> int:
    """Beat, every minute: holds nobody confirmed in time are deleted, in every agency."""
    from apps.bookings.services import booking_holds_release  # noqa: PLC0415 - services import this module

    with cross_agency("expired booking holds"):
        return booking_holds_release()


def _send(booking: Booking, kind: str, event: BookingEvent | None) -> None:
    ics = booking_ics(booking, manage_url=manage_url(booking))
    method = "CANCEL" if booking.status == Booking.Status.CANCELLED else "REQUEST"
    if booking.host is None:
        raise ValueError(f"booking {booking.pk} has no host to notify")
    host = booking.host.user
    schedule = getattr(booking.host, "schedule", None)
    host_zone = schedule.time_zone if schedule else host.time_zone
    verbs: dict[str, str] = {
        BookingEvent.Kind.BOOKED: "Confirmed",
        BookingEvent.Kind.RESCHEDULED: "Moved",
        BookingEvent.Kind.CANCELLED: "Cancelled",
    }
    verb = verbs.get(kind, "Updated")
    for recipient, zone, audience in (
        (booking.booker_email, booking.booker_time_zone, "booker"),
        (host.email, host_zone, "host"),
    ):
        context = {
            "booking": booking,
            "verb": verb,
            "kind": kind,
            "event": event,
            "when": _local(booking.start, zone),
            "was": _local(event.old_start, zone) if event and event.old_start else "",
            "manage_url": manage_url(booking) if audience == "booker" else "",
            "booking_url": settings.SITE_URL
            + reverse("booking_detail", args=[booking.agency.slug, booking.pk]),
            "audience": audience,
        }
        other_side = booking.agency.name if audience == "booker" else booking.booker_name
        subject = f"{verb}: {booking.consultation_type.name} with {other_side}, {context['when']}"
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("bookings/email/notification.txt", context),
            to=[recipient],
        )
        message.attach("invite.ics", ics, f"text/calendar; charset=utf-8; method={method}")
        message.send()
