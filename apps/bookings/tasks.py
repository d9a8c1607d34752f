"""Bookings' mail and background work: the confirmation, change and cancellation emails with
their iCalendar invitations, to the booker and the host, and the email that asks a booker to
confirm a hold (kinds of the notifications outbox, rendered when sent); the sweep that
releases expired holds."""

from __future__ import annotations

import logging
import zoneinfo

from celery import shared_task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.bookings.ics import booking_ics
from apps.bookings.models import Booking, BookingEvent
from apps.bookings.tokens import confirm_code, manage_token
from apps.core.site import site_url
from apps.core.tenancy import cross_agency
from apps.notifications import kinds, render, services
from apps.notifications.models import Channel, Delivery
from apps.projects.profile import Framework

logger = logging.getLogger(__name__)


NOTICE = "booking.notice"
CONFIRM_REQUEST = "booking.confirm_request"


def queue_notifications(booking: Booking, *, event: str) -> None:
    """Email both sides about the booking's current version, through the notifications
    outbox (in the change's transaction: a broker outage neither fails the booking nor loses
    its emails). The reminders follow the booking and `event` goes to the agency's webhooks
    (apps.bookings.reminders)."""
    from apps.bookings import reminders  # noqa: PLC0415 - reminders renders with these helpers

    version = {"sequence": booking.sequence}
    key = f"booking:{booking.pk}:notice:{booking.sequence}"
    services.schedule(
        agency=booking.agency, kind=NOTICE, channel=Channel.EMAIL, audience="booker",
        subject=booking, payload=version, dedupe_key=f"{key}:booker",
    )  # fmt: skip
    if booking.host is not None:
        services.schedule(
            agency=booking.agency, kind=NOTICE, channel=Channel.EMAIL, user=booking.host.user,
            subject=booking, payload=version, dedupe_key=f"{key}:host",
        )  # fmt: skip
    reminders.follow(booking, event=event)


def queue_confirmation_request(booking: Booking) -> None:
    """Email the booker the link that confirms their hold, through the outbox."""
    held_until = booking.hold_expires_at.isoformat() if booking.hold_expires_at else ""
    services.schedule(
        agency=booking.agency, kind=CONFIRM_REQUEST, channel=Channel.EMAIL, audience="booker",
        subject=booking, dedupe_key=f"booking:{booking.pk}:confirm:{held_until}",
    )  # fmt: skip


def manage_url(booking: Booking) -> str:
    return site_url() + reverse("booking_manage", args=[manage_token(booking)])


def confirm_url(booking: Booking) -> str:
    return site_url() + reverse(
        "booking_confirm", args=[manage_token(booking), confirm_code(booking)]
    )


def _local(moment, zone_name: str) -> str:
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone_name))
    return f"{local:%A %-d %B %Y, %H:%M} ({zone_name})"


def booking_of(row: Delivery) -> Booking:
    """The booking a delivery is about, with what its emails name."""
    return render.subject(
        row, Booking, "consultation_type", "host__user", "host__schedule", "agency"
    )


def notice_email(row: Delivery) -> kinds.Email:
    """The booking's current version, to one side; a version overtaken by a later change is
    dropped (the later change's notice says it all)."""
    booking = booking_of(row)
    if booking.sequence != row.payload.get("sequence"):
        raise kinds.Drop("a later change to the booking is sent instead")
    if booking.status == Booking.Status.PENDING:
        raise kinds.Drop("a hold: nobody is invited until the booker confirms it")
    # What to say follows from the booking's state, not from the order of its events (two
    # events can share a timestamp).
    if booking.status == Booking.Status.CANCELLED:
        kind = BookingEvent.Kind.CANCELLED
    elif booking.reschedule_count:
        kind = BookingEvent.Kind.RESCHEDULED
    else:
        kind = BookingEvent.Kind.BOOKED
    event = booking.events.filter(kind=kind).order_by("-created_at").first()
    return _notice(booking, kind, event, audience="booker" if row.audience else "host", row=row)


def confirm_request_email(row: Delivery) -> kinds.Email:
    """The link that confirms a hold; nothing once it is confirmed, expired or gone."""
    booking = booking_of(row)
    now = timezone.now()
    if booking.status != Booking.Status.PENDING:
        raise kinds.Drop(f"the booking is {booking.get_status_display().lower()}")
    if booking.hold_expires_at is None or booking.hold_expires_at <= now:
        raise kinds.Drop("the hold expired")
    context = {
        "booking": booking,
        "when": _local(booking.start, booking.booker_time_zone),
        "until": _local(booking.hold_expires_at, booking.booker_time_zone),
        "confirm_url": confirm_url(booking),
    }
    booking.confirmation_sent_at = now
    booking.save(update_fields=["confirmation_sent_at", "updated_at"])
    return kinds.Email(
        to=booking.booker_email,
        subject=f"Confirm your {booking.consultation_type.name} with {booking.agency.name}",
        text=render_to_string("bookings/email/confirm_request.txt", context),
    )


def register() -> None:
    for key, label, email in (
        (NOTICE, "Booking confirmations, changes and cancellations", notice_email),
        (CONFIRM_REQUEST, "Booking confirmation links", confirm_request_email),
    ):
        kinds.register(kinds.Kind(key=key, label=label, optional=False, email=email))


@shared_task(acks_late=True)
def release_expired_booking_holds() -> int:
    """Beat, every minute: holds nobody confirmed in time are deleted, in every agency."""
    from apps.bookings.services import booking_holds_release  # noqa: PLC0415 - services import this module

    with cross_agency("expired booking holds"):
        return booking_holds_release()


def intake_answers(booking: Booking) -> list[tuple[str, str]]:
    """What the booker told us on the booking form, for the host: the questions answered."""
    answers = [
        ("Company", booking.booker_company),
        ("Built with", booking.get_platform_display() if booking.platform else ""),
        ("Prototype", booking.prototype_url),
        ("Users expected", f"{booking.expected_users:,}" if booking.expected_users else ""),
        ("Compliance", ", ".join(
            Framework(value).label if value in Framework.values else value
            for value in booking.compliance or []
        )),
        ("Notes", booking.notes),
    ]  # fmt: skip
    return [(label, str(value)) for label, value in answers if value]


def _notice(
    booking: Booking, kind: str, event: BookingEvent | None, *, audience: str, row: Delivery
) -> kinds.Email:
    ics = booking_ics(booking, manage_url=manage_url(booking))
    method = "CANCEL" if booking.status == Booking.Status.CANCELLED else "REQUEST"
    if audience == "booker":
        recipient, zone = booking.booker_email, booking.booker_time_zone
    else:
        if booking.host is None or booking.host.user_id != row.user_id:
            raise kinds.Drop("the booking has another host now")
        host = booking.host.user
        schedule = getattr(booking.host, "schedule", None)
        recipient, zone = host.email, schedule.time_zone if schedule else host.time_zone
    verbs: dict[str, str] = {
        BookingEvent.Kind.BOOKED: "Confirmed",
        BookingEvent.Kind.RESCHEDULED: "Moved",
        BookingEvent.Kind.CANCELLED: "Cancelled",
    }
    verb = verbs.get(kind, "Updated")
    context = {
        "booking": booking,
        "verb": verb,
        "kind": kind,
        "event": event,
        "when": _local(booking.start, zone),
        "was": _local(event.old_start, zone) if event and event.old_start else "",
        "manage_url": manage_url(booking) if audience == "booker" else "",
        "booking_url": site_url()
        + reverse("booking_detail", args=[booking.agency.slug, booking.pk]),
        "audience": audience,
        "intake": intake_answers(booking) if audience == "host" else [],
    }
    other_side = booking.agency.name if audience == "booker" else booking.booker_name
    return kinds.Email(
        to=recipient,
        subject=f"{verb}: {booking.consultation_type.name} with {other_side}, {context['when']}",
        text=render_to_string("bookings/email/notification.txt", context),
        attachments=(("invite.ics", ics, f"text/calendar; charset=utf-8; method={method}"),),
    )
