"""Booking reminders (24 hours and 1 hour before, to the booker and the host) and the booking
events of outgoing webhooks, both written to the outbox (apps.notifications) by the booking
services in their own transaction. A reschedule moves the reminders (the old ones are dropped,
new ones written for the new time); a cancellation drops them. A reminder checked when it is
sent finds the booking as it is: moved, cancelled or already begun, it is dropped."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from apps.bookings.ics import booking_ics
from apps.bookings.models import Booking
from apps.bookings.tasks import booking_of
from apps.bookings.tokens import manage_token
from apps.notifications import endpoints, kinds, render, services
from apps.notifications.models import Channel, Delivery

REMINDER = "booking.reminder"
LEADS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


def follow(booking: Booking, *, event: str) -> None:
    """After a booking changed (in its transaction): its reminders follow it and the webhook
    event goes out."""
    services.drop(
        agency=booking.agency, subject=booking, kinds=[REMINDER],
        reason="the booking moved or was cancelled",
    )  # fmt: skip
    now = timezone.now()
    if booking.status == Booking.Status.CONFIRMED and booking.start > now:
        at = booking.start.isoformat()
        for lead, before in LEADS.items():
            due = booking.start - before
            if due <= now:
                continue  # booked less than `lead` ahead: that reminder has no point
            payload = {"start": at, "lead": lead}
            services.schedule(
                agency=booking.agency, kind=REMINDER, channel=Channel.EMAIL, due_at=due,
                audience="booker", subject=booking, payload=payload,
                dedupe_key=f"booking:{booking.pk}:reminder:{lead}:{at}:booker",
            )  # fmt: skip
            if booking.host is not None:
                services.schedule(
                    agency=booking.agency, kind=REMINDER, channel=Channel.EMAIL, due_at=due,
                    user=booking.host.user, subject=booking, payload=payload,
                    dedupe_key=f"booking:{booking.pk}:reminder:{lead}:{at}:host",
                )  # fmt: skip
    endpoints.emit(agency=booking.agency, event=event, data=webhook_data(booking), subject=booking)


def webhook_data(booking: Booking) -> dict:
    offer = booking.consultation_type
    return {
        "booking": {
            "id": str(booking.pk),
            "status": booking.status,
            "start": booking.start.isoformat(),
            "end": booking.end.isoformat(),
            "consultation_type": {"id": str(offer.pk), "name": offer.name, "slug": offer.slug},
            "host": {"id": str(booking.host_id), "name": booking.host.user.display_name}
            if booking.host
            else None,
            "booker": {
                "name": booking.booker_name,
                "email": booking.booker_email,
                "company": booking.booker_company,
                "time_zone": booking.booker_time_zone,
            },
            "reschedule_count": booking.reschedule_count,
            "cancel_reason": booking.cancel_reason,
        }
    }


def _booking(row: Delivery) -> Booking:
    booking = booking_of(row)
    if booking.status != Booking.Status.CONFIRMED:
        raise kinds.Drop(f"the booking is {booking.get_status_display().lower()}")
    if booking.start.isoformat() != row.payload.get("start"):
        raise kinds.Drop("the booking moved")
    if booking.start <= timezone.now():
        raise kinds.Drop("the meeting has already begun")
    return booking


def reminder_email(row: Delivery) -> kinds.Email:
    booking = _booking(row)
    manage = render.absolute(reverse("booking_manage", args=[manage_token(booking)]))
    if row.audience == "booker":
        to, zone = booking.booker_email, booking.booker_time_zone
        other = booking.agency.name
    else:
        host = booking.host.user if booking.host else None
        if host is None or host.pk != row.user_id:
            raise kinds.Drop("the booking has another host now")
        schedule = getattr(booking.host, "schedule", None)
        to, zone, other = (
            host.email,
            schedule.time_zone if schedule else host.time_zone,
            booking.booker_name,
        )
    when = render.local(booking.start, zone)
    lead = "tomorrow" if row.payload.get("lead") == "24h" else "in one hour"
    return render.email(
        to=to,
        subject=f"Reminder: {booking.consultation_type.name} with {other} {lead}, {when}",
        template="bookings/email/reminder",
        context={
            "booking": booking, "when": when, "lead": lead, "audience": row.audience or "host",
            "agency_name": booking.agency.name, "manage_url": manage,
            "booking_url": render.absolute(
                reverse("booking_detail", args=[booking.agency.slug, booking.pk])
            ),
        },
        attachments=(
            ("invite.ics", booking_ics(booking, manage_url=manage),
             "text/calendar; charset=utf-8; method=REQUEST"),
        ),
    )  # fmt: skip


def register() -> None:
    kinds.register(
        kinds.Kind(
            key=REMINDER, label="Consultation reminders",
            description="A day and an hour before a consultation you host or booked.",
            email=reminder_email, audiences=frozenset({"staff", "client"}),
        )
    )  # fmt: skip
