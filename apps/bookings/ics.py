"""iCalendar invitations for bookings (RFC 5545 through the icalendar library).

One UID for the booking's whole life; SEQUENCE grows with every change, so calendar apps
replace the event on a reschedule and remove it on a cancellation (METHOD:CANCEL). Times are
written in UTC.
"""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from apps.bookings.models import Booking
from apps.core.site import site_url


def booking_ics(booking: Booking, *, manage_url: str = "") -> bytes:
    cancelled = booking.status == Booking.Status.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Launchpad//Consultations//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    consultation = booking.consultation_type
    event = Event()
    event.add("uid", booking.ical_uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", f"{consultation.name} with {booking.agency.name}")
    description = [consultation.description] if consultation.description else []
    if manage_url:
        description.append(f"Reschedule or cancel: {manage_url}")
    event.add("description", "\n\n".join(description))
    if consultation.location_detail:
        event.add("location", consultation.location_detail)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if booking.host is None:
        raise ValueError(f"booking {booking.pk} has no host to send the invitation from")
    host = booking.host.user
    organizer = vCalAddress(f"mailto:{host.email}")
    organizer.params["cn"] = vText(host.display_name)
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{booking.booker_email}")
    attendee.params["cn"] = vText(booking.booker_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    event.add("attendee", attendee, encode=False)
    event.add("url", manage_url or site_url())
    calendar.add_component(event)
    return calendar.to_ical()
