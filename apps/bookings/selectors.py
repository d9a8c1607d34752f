"""Reads for bookings: offers, a member's bookings (admins: everyone's), a booker's own
bookings, and schedules."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Capability, Role
from apps.bookings.models import (
    Booking,
    BookingEvent,
    ConsultationHost,
    ConsultationType,
    Schedule,
)
from apps.clients.models import Client

C = Capability


def hosts_prefetch() -> Prefetch[str, QuerySet[ConsultationHost], str]:
    """An offer's hosts with their people, highest priority first: no query per host."""
    return Prefetch(
        "hosts",
        queryset=ConsultationHost.objects.select_related("membership__user").order_by(
            "-priority", "membership__user__name"
        ),
    )


def offer_list(*, agency: Agency, published_only: bool = False) -> QuerySet[ConsultationType]:
    qs = ConsultationType.objects.for_agency(agency).prefetch_related(hosts_prefetch())
    if published_only:
        qs = qs.published()
    return qs.order_by("name", "id")


def visible_bookings(*, member: Membership) -> QuerySet[Booking]:
    """Admins see every booking of the agency; a host sees the bookings they host."""
    qs = Booking.objects.for_agency(member.agency)
    if member.can(C.MANAGE_OFFERS):
        return qs
    if member.can(C.MANAGE_OWN_AVAILABILITY):
        return qs.filter(host=member)
    return qs.none()


def booking_list(
    *,
    member: Membership,
    when: str = "upcoming",
    host: Membership | None = None,
    status: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Booking]:
    """`when`: "upcoming" (soonest first), "past" (latest first) or "all"; `start`/`end`
    bound the meeting start (for a week view)."""
    now = timezone.now()
    qs = visible_bookings(member=member).select_related(
        "consultation_type", "host__user", "project"
    )
    if host is not None:
        qs = qs.filter(host=host)
    if status:
        qs = qs.filter(status=status)
    if start is not None:
        qs = qs.filter(start__gte=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    if when == "upcoming":
        return qs.filter(end__gte=now).order_by("start", "id")
    if when == "past":
        return qs.filter(end__lt=now).order_by("-start", "-id")
    return qs.order_by("start", "id")


def booking_detail_queryset(*, member: Membership) -> QuerySet[Booking]:
    return (
        visible_bookings(member=member)
        .select_related("consultation_type", "host__user", "client", "project", "booker_user")
        .prefetch_related(Prefetch("events", queryset=BookingEvent.objects.select_related("actor")))
    )


def bookings_of_booker(*, agency: Agency, user: User) -> QuerySet[Booking]:
    """A signed-in person's own upcoming bookings with the agency (for the booking page)."""
    return (
        Booking.objects.for_agency(agency)
        .confirmed()
        .filter(booker_user=user, end__gte=timezone.now())
        .select_related("consultation_type", "host__user")
        .order_by("start")
    )


def conversion_client(*, agency: Agency, booking: Booking) -> tuple[str, Client | None]:
    """The client name turning `booking` into an engagement uses (the booker's company, else
    their own name), and the agency's client of that name if there is one: names are unique
    per agency whatever their case, so that is the client the booking joins."""
    name = booking.booker_company or booking.booker_name
    return name, Client.objects.for_agency(agency).filter(name__iexact=name).first()


def booker_company(*, agency: Agency, user: User) -> str:
    """The company to prefill for a signed-in booker: their client's name, when they are one
    of the agency's client contacts."""
    membership = (
        Membership.objects.for_agency(agency).filter(user=user).select_related("client").first()
    )
    return membership.client.name if membership and membership.client else ""


def schedule_for(*, member: Membership) -> Schedule | None:
    return (
        Schedule.objects.for_agency(member.agency)
        .filter(membership=member)
        .prefetch_related("weekly", "overrides")
        .first()
    )


def schedulable_members(*, agency: Agency) -> QuerySet[Membership]:
    """Staff who can have availability; the schedule rides along, so that "no schedule yet"
    costs no query per person."""
    return (
        Membership.objects.for_agency(agency)
        .filter(role__in=[Role.OWNER, Role.ADMIN, Role.ENGINEER])
        .select_related("user", "schedule")
        .order_by("user__name", "user__email")
    )


def booking_for_idempotency_key(*, agency: Agency, key: str) -> Booking | None:
    """The booking an earlier submit with this key made, if any (to answer a replay)."""
    return (
        Booking.objects.for_agency(agency)
        .select_related("agency", "consultation_type", "host__user")
        .filter(idempotency_key=key)
        .first()
    )


def upcoming_hosted_count(*, member: Membership) -> int:
    """How many confirmed consultations (or live holds) `member` hosts that have not ended."""
    now = timezone.now()
    return (
        Booking.objects.for_agency(member.agency)
        .blocking(now)
        .filter(host=member, end__gt=now)
        .count()
    )
