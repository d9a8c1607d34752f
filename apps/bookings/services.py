"""Writes for consultation booking: booking (with no double booking, and within the abuse
limits both public doors share: open bookings per email, holds confirmed by email where the
agency asks for it), rescheduling and cancelling (by the booker through a signed link or by
the agency), no-shows, turning a booking into a client and engagement, and managing offers
and availability."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Capability, Role, require
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.bookings import limits, slots
from apps.bookings.availability import available_slots
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
from apps.bookings.selectors import booking_for_idempotency_key, conversion_client
from apps.bookings.tasks import queue_confirmation_request, queue_notifications
from apps.bookings.tokens import confirm_code_matches
from apps.clients.models import Client, ClientContact
from apps.clients.services import client_create, contact_create
from apps.core.access import ensure_own, lock_own
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.unset import UNSET, Unset
from apps.projects.models import Project
from apps.projects.profile import Framework, Platform
from apps.projects.services import project_create

C = Capability
# What a client may send as an idempotency key (a UUID will do).
IDEMPOTENCY_KEY_PATTERN = r"[A-Za-z0-9_-]{8,64}"


class SlotTakenError(ConflictError):
    """Someone else booked the time first (or it stopped being free); nothing was booked."""

    def __init__(
        self, message: str = "That time was just taken. Please choose another time."
    ) -> None:
        super().__init__(message, code="slot_taken")


_R = slots.Refusal
REFUSALS = {
    _R.IN_THE_PAST: "That time is in the past. Please choose another time.",
    _R.INSIDE_MINIMUM_NOTICE: "That time is too soon: bookings need at least {notice} notice.",
    _R.BEYOND_BOOKING_WINDOW: "That time is too far ahead: you can book up to {window} days ahead.",
    _R.OUTSIDE_AVAILABILITY: "Nobody is available at that time. Choose one of the times shown.",
    _R.MISALIGNED: "Please choose one of the start times shown.",
    _R.CONFLICT: "That time was just taken. Please choose another time.",
    _R.DAILY_CAP_REACHED: "That day is fully booked. Please choose another day.",
}


def _notice(minutes: int) -> str:
    """A notice period as written before "notice": "1 day's", "4 hours'", "30 minutes'"."""
    for size, unit in ((60 * 24, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}'s" if count == 1 else f"{count} {unit}s'"
    return f"{minutes} minutes'"


def refusal_error(reason: slots.Refusal, consultation_type: ConsultationType) -> ApplicationError:
    message = REFUSALS[reason].format(
        notice=_notice(consultation_type.minimum_notice_minutes),
        window=consultation_type.booking_window_days,
    )
    if reason == slots.Refusal.CONFLICT:
        return SlotTakenError(message)
    return ApplicationError(message, code=str(reason))


def policy_for(agency: Agency) -> BookingPolicy:
    policy = BookingPolicy.objects.for_agency(agency).first()
    return policy or BookingPolicy(agency=agency)


# --- Booking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booker:
    name: str
    email: str
    time_zone: str
    company: str = ""
    prototype_url: str = ""
    platform: str = ""
    expected_users: int | None = None
    compliance: tuple[str, ...] = ()
    notes: str = ""

    @classmethod
    def from_answers(cls, answers: Mapping[str, Any], *, time_zone: str) -> Booker:
        """From the booking form's or serializer's cleaned data, which share these names."""
        return cls(
            name=answers["name"],
            email=answers["email"],
            time_zone=time_zone,
            company=answers["company"],
            prototype_url=answers["prototype_url"],
            platform=answers["platform"],
            expected_users=answers["expected_users"],
            compliance=tuple(answers["compliance"]),
            notes=answers["notes"],
        )


def _free_hosts(
    consultation_type: ConsultationType,
    *,
    start: datetime,
    host: Membership | None,
    now: datetime,
    exclude_booking: Booking | None = None,
) -> list[Membership]:
    """The hosts who can take `start`, best round-robin candidate first; raises the clearest
    refusal when there is none."""
    free = available_slots(
        consultation_type,
        start=start,
        host_ids=[host.pk] if host is not None else None,
        exclude_booking=exclude_booking,
        now=now,
    )
    if host is not None and str(host.pk) not in free.hosts:
        raise ValidationError({"host": "That person does not take this kind of consultation."})
    slot = free.at(start)
    if slot is None:
        raise refusal_error(free.refusal(start), consultation_type)
    return [free.hosts[host_id] for host_id in slot.host_ids]


def _validate_booker(booker: Booker, *, consent: bool) -> None:
    errors = {}
    if not consent:
        errors["consent"] = "Please agree to the privacy notice so that we can use your details."
    if booker.platform and booker.platform not in Platform.values:
        errors["platform"] = f"“{booker.platform}” is not one of the platforms listed."
    unknown = set(booker.compliance) - set(Framework.values)
    if unknown:
        errors["compliance"] = f"Unknown compliance needs: {', '.join(sorted(unknown))}."
    if errors:
        raise ValidationError(errors)


def _xact_lock(name: str) -> None:
    """A transaction-scoped PostgreSQL advisory lock on `name`, held until commit or rollback:
    what serialises requests whose check and write would otherwise interleave. SQLite runs
    one writing transaction at a time (IMMEDIATE) and needs none. Callers take their locks
    in one fixed order (idempotency key, booker, host-days in sorted order) so that two
    requests never wait on each other."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(name.encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


def _lock_booker(agency: Agency, email: str) -> None:
    """Serialise the bookings of one email address with one agency, so that two racing
    requests cannot both pass the open-bookings limit."""
    _xact_lock(f"booker:{agency.pk}:{email}")


def _lock_host_days(
    consultation_type: ConsultationType, *, start: datetime, host: Membership | None
) -> None:
    """Serialise the bookings of a capped consultation type per host and host-local day, the
    daily cap's unit: without it, racing requests each counted the day below the cap and
    all booked (a cap of 2 ended days with 3 and 4). Taken before the free times are read,
    for every host the booking may go to, in sorted order."""
    if consultation_type.daily_cap is None:
        return
    if host is not None:
        host_ids = [host.pk]
    else:
        host_ids = list(
            ConsultationHost.objects.for_agency(consultation_type.agency)
            .filter(consultation_type=consultation_type)
            .values_list("membership_id", flat=True)
        )
    zones = dict(
        Schedule.objects.for_agency(consultation_type.agency)
        .filter(membership_id__in=host_ids)
        .values_list("membership_id", "time_zone")
    )
    # A host without a schedule has no free time; their lock only keeps the order simple.
    names = sorted(
        f"host-day:{host_id}:{start.astimezone(ZoneInfo(zones.get(host_id, 'UTC'))).date()}"
        for host_id in host_ids
    )
    for name in names:
        _xact_lock(name)


def _refuse_too_many_open(*, agency: Agency, email: str, now: datetime) -> None:
    """At most BOOKING_MAX_OPEN_PER_EMAIL open bookings (upcoming, not cancelled, live holds
    included) per email address and agency: one person rarely needs more, and a script that
    books out the calendar under one address stops here, at either door."""
    _lock_booker(agency, email)
    limit = settings.BOOKING_MAX_OPEN_PER_EMAIL
    count = (
        Booking.objects.for_agency(agency)
        .blocking(now)
        .filter(booker_email=email, end__gt=now)
        .count()
    )
    if count >= limit:
        raise ValidationError(
            {
                "email": f"This email address already has {count} upcoming bookings with "
                f"{agency.name}; we take at most {limit} per address. Cancel one from the "
                "link in its email, or book again once one has taken place."
            }
        )


def _release_expired_holds(
    *, agency: Agency, host_ids: list[Any], start: datetime, end: datetime, now: datetime
) -> None:
    """Delete the expired holds in the way of a booking's blocked range [start, end): the slot
    engine already sees their time as free, the exclusion constraint does not until they are
    gone."""
    Booking.objects.for_agency(agency).expired_holds(now).filter(
        host_id__in=host_ids, blocked_start__lt=end, blocked_end__gt=start
    ).delete()


def _place(booking: Booking, candidates: list[Membership]) -> Booking:
    """Insert the booking with the first candidate host whose time is still free. On
    PostgreSQL the exclusion constraint is what decides between racing requests."""
    for host in candidates:
        booking.host = host
        booking.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                booking.save(force_insert=True)
        except IntegrityError:
            booking.pk = None
            booking._state.adding = True
            continue
        return booking
    raise SlotTakenError()


@dataclass(frozen=True)
class Submission:
    """What a booking request got: the booking, and whether this request made it (the API
    answers 201) or an earlier one with the same idempotency key did (200)."""

    booking: Booking
    created: bool


@transaction.atomic
def booking_create(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    booker: Booker,
    consent: bool,
    idempotency_key: str,
    host: Membership | None = None,
    user: User | AnonymousUser | None = None,
    now: datetime | None = None,
) -> Submission:
    """Book `start` with `host` (when the booker picks) or the round-robin host. A second
    submit with the same idempotency key returns the first booking instead of a new one,
    however close behind it comes: the key is locked before it is looked up, so the twin
    waits for the first to commit and then finds its booking (it used to race on, find the
    time taken by its own booking and answer 409). Where the agency asks bookers to confirm
    by email, the booking is a hold (pending) that expires after BOOKING_HOLD_MINUTES unless
    the booker confirms it from the emailed link."""
    now = now or timezone.now()
    agency = consultation_type.agency
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, idempotency_key or ""):
        raise ValidationError({"idempotency_key": "The form is out of date: reload the page."})
    _xact_lock(f"idempotency:{agency.pk}:{idempotency_key}")
    existing = booking_for_idempotency_key(agency=agency, key=idempotency_key)
    if existing is not None:
        return Submission(booking=existing, created=False)
    if not consultation_type.is_active:
        raise ApplicationError("This consultation is not open for booking.", code="offer_closed")
    if consultation_type.host_choice == ConsultationType.HostChoice.BOOKER_PICKS and host is None:
        raise ValidationError({"host": "Choose who you would like to meet."})
    _validate_booker(booker, consent=consent)
    email = booker.email.strip().lower()
    _refuse_too_many_open(agency=agency, email=email, now=now)
    _lock_host_days(consultation_type, start=start, host=host)
    candidates = _free_hosts(consultation_type, start=start, host=host, now=now)
    duration = timedelta(minutes=consultation_type.duration_minutes)
    held = policy_for(agency).confirm_by_email
    booking = Booking(
        agency=agency,
        consultation_type=consultation_type,
        start=start,
        end=start + duration,
        blocked_start=start - timedelta(minutes=consultation_type.buffer_before_minutes),
        blocked_end=start + duration + timedelta(minutes=consultation_type.buffer_after_minutes),
        status=Booking.Status.PENDING if held else Booking.Status.CONFIRMED,
        hold_expires_at=now + timedelta(minutes=settings.BOOKING_HOLD_MINUTES) if held else None,
        booker_name=booker.name.strip(),
        booker_email=email,
        booker_company=booker.company.strip(),
        booker_time_zone=booker.time_zone,
        booker_user=user if isinstance(user, User) else None,
        prototype_url=booker.prototype_url.strip(),
        platform=booker.platform,
        expected_users=booker.expected_users,
        compliance=sorted(set(booker.compliance)),
        notes=booker.notes.strip(),
        consent_at=now,
        idempotency_key=idempotency_key,
    )
    _release_expired_holds(
        agency=agency,
        host_ids=[c.pk for c in candidates],
        start=booking.blocked_start,
        end=booking.blocked_end,
        now=now,
    )
    booking = _place(booking, candidates)
    BookingEvent.objects.create(
        agency=agency, booking=booking, kind=BookingEvent.Kind.BOOKED, by_booker=True,
        new_start=booking.start, actor=booking.booker_user,
    )  # fmt: skip
    if held:
        # Only the booker hears of a hold, with the link that confirms it; the host and the
        # calendar invitations wait for the confirmation.
        queue_confirmation_request(booking)
    else:
        queue_notifications(booking, event="booking.created")
    return Submission(booking=booking, created=True)


@transaction.atomic
def booking_confirm(*, booking: Booking, code: str, now: datetime | None = None) -> Booking:
    """The booker confirms a hold from the emailed link (`code` proves they read it): the
    booking is confirmed and both sides are emailed the invitation. Confirming twice is
    harmless; a hold past its expiry cannot be confirmed (its time may be someone else's)."""
    now = now or timezone.now()
    if not confirm_code_matches(booking, code):
        raise ApplicationError(
            "This confirmation link is not valid. Use the link in your email, exactly as sent.",
            code="invalid_link",
        )
    locked = (
        Booking.objects.for_agency(booking.agency)
        .select_for_update(of=("self",))
        .select_related("consultation_type", "host__user", "agency")
        .filter(pk=booking.pk)
        .first()
    )
    if locked is not None and locked.status == Booking.Status.CONFIRMED:
        return locked
    if locked is not None and locked.status != Booking.Status.PENDING:
        raise ApplicationError(
            f"This booking is {locked.get_status_display().lower()} and cannot be confirmed.",
            code="booking_closed",
        )
    if locked is None or locked.hold_expires_at is None or locked.hold_expires_at <= now:
        raise ApplicationError(
            "This booking was not confirmed in time, so we released the time for others. "
            "Please book again.",
            code="hold_expired",
        )
    locked.status = Booking.Status.CONFIRMED
    locked.hold_expires_at = None
    locked.save(update_fields=["status", "hold_expires_at", "updated_at"])
    BookingEvent.objects.create(
        agency=locked.agency, booking=locked, kind=BookingEvent.Kind.CONFIRMED, by_booker=True,
        actor=locked.booker_user,
    )  # fmt: skip
    queue_notifications(locked, event="booking.created")
    return locked


@transaction.atomic
def booking_holds_release(*, now: datetime | None = None) -> int:
    """Delete every hold past its expiry, in every agency (a beat task calls this inside its
    cross-agency scope): what the booker gave us is not kept for a booking that never was,
    and the agency's lists show no stale holds. Returns how many were released."""
    now = now or timezone.now()
    _, by_model = Booking.objects.expired_holds(now).delete()
    return by_model.get(Booking._meta.label, 0)


def booker_refusal(
    booking: Booking, *, policy: BookingPolicy, now: datetime, rescheduling: bool
) -> ApplicationError | None:
    """Why the agency's policy stops the booker cancelling (or rescheduling) online now, or
    None when it does not. The manage page asks it to decide which actions to offer."""
    if booking.start - now < timedelta(hours=policy.cancel_notice_hours):
        action = "rescheduled" if rescheduling else "cancelled"
        return ApplicationError(
            f"Bookings can be {action} online up to {policy.cancel_notice_hours} hours before "
            "the meeting. Please reply to your confirmation email instead.",
            code="too_late",
        )
    if rescheduling and booking.reschedule_count >= policy.max_reschedules:
        return ApplicationError(
            f"This booking has been moved {booking.reschedule_count} times already, the most "
            "we allow online. Please cancel it and book a new time.",
            code="reschedule_limit",
        )
    return None


def _check_booker_policy(booking: Booking, now: datetime, *, rescheduling: bool) -> None:
    policy = policy_for(booking.agency)
    refusal = booker_refusal(booking, policy=policy, now=now, rescheduling=rescheduling)
    if refusal is not None:
        raise refusal


def _lock(booking: Booking) -> Booking:
    locked = (
        Booking.objects.for_agency(booking.agency)
        .select_for_update(of=("self",))
        .select_related("consultation_type", "host__user", "agency")
        .get(pk=booking.pk)
    )
    if locked.status != Booking.Status.CONFIRMED:
        raise ApplicationError(
            f"This booking is {locked.get_status_display().lower()} and cannot be changed.",
            code="booking_closed",
        )
    return locked


@transaction.atomic
def booking_reschedule(
    *,
    booking: Booking,
    new_start: datetime,
    reason: str = "",
    by_booker: bool,
    actor: Membership | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move the booking (same UID, next SEQUENCE). The host stays if free; a round-robin
    booking may move to another free host. `actor` is the agency member moving it when the
    booker is not."""
    now = now or timezone.now()
    booking = _lock(booking)
    if by_booker:
        _check_booker_policy(booking, now, rescheduling=True)
    elif not actor_can_manage(actor, booking):
        raise PermissionDeniedError
    consultation_type = booking.consultation_type
    if new_start == booking.start:
        raise ValidationError({"start": "Choose a different time from the current one."})
    keep_host = consultation_type.host_choice == ConsultationType.HostChoice.BOOKER_PICKS
    _lock_host_days(consultation_type, start=new_start, host=booking.host if keep_host else None)
    candidates = _free_hosts(
        consultation_type,
        start=new_start,
        host=booking.host if keep_host else None,
        now=now,
        exclude_booking=booking,
    )
    if booking.host in candidates:  # the current host first, if they are free
        candidates.remove(booking.host)
        candidates.insert(0, booking.host)
    old_start = booking.start
    duration = booking.end - booking.start
    _release_expired_holds(
        agency=booking.agency,
        host_ids=[c.pk for c in candidates],
        start=new_start - (old_start - booking.blocked_start),
        end=new_start + duration + (booking.blocked_end - booking.end),
        now=now,
    )
    # The row is locked: these stay right however often a losing save re-reads it.
    sequence, reschedule_count = booking.sequence + 1, booking.reschedule_count + 1
    for host in candidates:
        booking.host = host
        booking.start, booking.end = new_start, new_start + duration
        booking.blocked_start = new_start - (old_start - booking.blocked_start)
        booking.blocked_end = booking.end + (booking.blocked_end - (old_start + duration))
        booking.sequence, booking.reschedule_count = sequence, reschedule_count
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError:
            booking = _lock(booking)
            continue
        break
    else:
        raise SlotTakenError()
    BookingEvent.objects.create(
        agency=booking.agency, booking=booking, kind=BookingEvent.Kind.RESCHEDULED,
        by_booker=by_booker, actor=actor.user if actor is not None else None,
        old_start=old_start, new_start=new_start,
        reason=reason.strip()[: limits.REASON_MAX_LENGTH],
    )  # fmt: skip
    queue_notifications(booking, event="booking.rescheduled")
    return booking


@transaction.atomic
def booking_cancel(
    *,
    booking: Booking,
    reason: str,
    by_booker: bool,
    actor: Membership | None = None,
    now: datetime | None = None,
) -> Booking:
    """Call the booking off (by the booker through the link, or by an agency member, the
    `actor`): both sides are emailed a cancellation."""
    now = now or timezone.now()
    booking = _lock(booking)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Please say why, so the other side knows."})
    if by_booker:
        _check_booker_policy(booking, now, rescheduling=False)
    elif not actor_can_manage(actor, booking):
        raise PermissionDeniedError
    if booking.end <= now:
        # Nothing is left to call off, and the ICS CANCEL would reach calendars (and a host
        # who may have left since) for a meeting that is over.
        raise ApplicationError(
            "This consultation is over: mark it as a no-show if nobody came; it cannot be "
            "cancelled.",
            code="booking_over",
        )
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason[: limits.REASON_MAX_LENGTH]
    booking.sequence += 1
    booking.save(
        update_fields=["status", "cancelled_at", "cancel_reason", "sequence", "updated_at"]
    )
    BookingEvent.objects.create(
        agency=booking.agency, booking=booking, kind=BookingEvent.Kind.CANCELLED,
        by_booker=by_booker, actor=actor.user if actor is not None else None,
        reason=booking.cancel_reason,
    )  # fmt: skip
    queue_notifications(booking, event="booking.cancelled")
    return booking


def actor_can_manage(actor: Membership | None, booking: Booking) -> bool:
    """Admins manage every booking; a host manages their own."""
    if actor is None or actor.agency_id != booking.agency_id:
        return False
    return actor.can(C.MANAGE_OFFERS) or (
        actor.can(C.MANAGE_OWN_AVAILABILITY) and booking.host_id == actor.pk
    )


@transaction.atomic
def booking_mark_no_show(
    *, actor: Membership, booking: Booking, now: datetime | None = None
) -> Booking:
    now = now or timezone.now()
    booking = _lock(booking)
    if not actor_can_manage(actor, booking):
        raise PermissionDeniedError
    if booking.start > now:
        raise ApplicationError(
            "A booking can be marked as a no-show once its time has come.", code="not_started"
        )
    booking.status = Booking.Status.NO_SHOW
    booking.save(update_fields=["status", "updated_at"])
    BookingEvent.objects.create(
        agency=booking.agency, booking=booking, kind=BookingEvent.Kind.NO_SHOW, actor=actor.user
    )
    return booking


_REPO_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")


@transaction.atomic
def booking_convert(*, actor: Membership, booking: Booking) -> Project:
    """Turn a booking from someone new into a client (or their existing one), a contact and
    an engagement whose profile carries the booking's answers."""
    require(actor, C.MANAGE_ENGAGEMENTS)
    booking = lock_own(Booking.objects.all(), agency=actor.agency, pk=booking.pk)
    if booking.project_id:
        raise ApplicationError("This booking already has an engagement.", code="already_converted")
    if booking.status == Booking.Status.CANCELLED:
        # A cancelled consultation is not a lead to act on; if the person comes back they book
        # again, and that booking is the one to convert.
        raise ApplicationError(
            "This booking was cancelled, so it cannot become an engagement.", code="cancelled"
        )
    if booking.status == Booking.Status.PENDING:
        # Nobody has shown yet that the address is theirs: no client is made from it.
        raise ApplicationError(
            "This booking is awaiting the booker's confirmation by email; it can become an "
            "engagement once they confirm it.",
            code="pending",
        )
    company, client = conversion_client(agency=actor.agency, booking=booking)
    client = client or client_create(actor=actor, name=company, status=Client.Status.PROSPECT)
    if (
        not ClientContact.objects.for_agency(actor.agency)
        .filter(client=client, email=booking.booker_email)
        .exists()
    ):
        contact_create(
            actor=actor, client=client, name=booking.booker_name, email=booking.booker_email
        )
    url = booking.prototype_url
    is_repo = any(f"//{host}/" in url or f"//www.{host}/" in url for host in _REPO_HOSTS)
    description = [f"From the consultation booked for {booking.start:%d %b %Y}."]
    if url and not is_repo:
        description.append(f"Prototype: {url}")
    if booking.notes:
        description.append(f"Notes from the booking: {booking.notes}")
    project = project_create(
        actor=actor,
        client=client,
        name=f"{company} MVP",
        source_platform=booking.platform or Platform.OTHER,
        repository_url=url if is_repo else "",
        users_at_launch=booking.expected_users,
        compliance=list(booking.compliance),
        stage="lead",
        description="\n\n".join(description),
    )
    booking.client, booking.project = client, project
    booking.save(update_fields=["client", "project", "updated_at"])
    BookingEvent.objects.create(
        agency=booking.agency, booking=booking, kind=BookingEvent.Kind.CONVERTED, actor=actor.user
    )
    return project


# --- Offers and availability -----------------------------------------------------------------

OFFER_FIELDS = (
    "name", "slug", "description", "duration_minutes", "interval_minutes",
    "buffer_before_minutes", "buffer_after_minutes", "minimum_notice_minutes",
    "booking_window_days", "daily_cap", "location", "location_detail", "host_choice",
    "is_active",
)  # fmt: skip


@transaction.atomic
def offer_save(
    *,
    actor: Membership,
    offer: ConsultationType | None = None,
    hosts: Iterable[Membership] = (),
    name: str | Unset = UNSET,
    slug: str | Unset = UNSET,
    description: str | Unset = UNSET,
    duration_minutes: int | Unset = UNSET,
    interval_minutes: int | Unset = UNSET,
    buffer_before_minutes: int | Unset = UNSET,
    buffer_after_minutes: int | Unset = UNSET,
    minimum_notice_minutes: int | Unset = UNSET,
    booking_window_days: int | Unset = UNSET,
    daily_cap: int | Unset | None = UNSET,
    location: str | Unset = UNSET,
    location_detail: str | Unset = UNSET,
    host_choice: str | Unset = UNSET,
    is_active: bool | Unset = UNSET,
) -> ConsultationType:
    """Create or change a consultation type (the fields given; a new one starts from the
    model's defaults) and set its hosts (staff of the agency) to `hosts`."""
    require(actor, C.MANAGE_OFFERS)
    hosts = list(hosts)
    if any(h.agency_id != actor.agency_id or h.role == Role.CLIENT for h in hosts):
        raise ValidationError({"hosts": "Hosts must be staff of this agency."})
    if offer is not None:
        ensure_own(actor.agency, offer)
    offer = offer or ConsultationType(agency=actor.agency)
    given: dict[str, object] = {
        "name": name, "slug": slug, "description": description,
        "duration_minutes": duration_minutes, "interval_minutes": interval_minutes,
        "buffer_before_minutes": buffer_before_minutes,
        "buffer_after_minutes": buffer_after_minutes,
        "minimum_notice_minutes": minimum_notice_minutes,
        "booking_window_days": booking_window_days, "daily_cap": daily_cap,
        "location": location, "location_detail": location_detail,
        "host_choice": host_choice, "is_active": is_active,
    }  # fmt: skip
    for field, value in given.items():
        if value is not UNSET:
            setattr(offer, field, value)
    offer.full_clean()
    try:
        with transaction.atomic():
            offer.save()
    except IntegrityError:
        raise ValidationError({"slug": "Another offer already uses this address."}) from None
    current = {h.membership_id: h for h in offer.hosts.all()}
    wanted = {h.pk for h in hosts}
    offer.hosts.exclude(membership_id__in=wanted).delete()
    ConsultationHost.objects.bulk_create(
        ConsultationHost(agency=actor.agency, consultation_type=offer, membership=h)
        for h in hosts
        if h.pk not in current
    )
    return offer


def _may_edit_schedule(actor: Membership, member: Membership) -> None:
    if actor.pk == member.pk:
        require(actor, C.MANAGE_OWN_AVAILABILITY)
    else:
        require(actor, C.MANAGE_OFFERS)
    if member.agency_id != actor.agency_id or member.role == Role.CLIENT:
        raise ValidationError({"member": "Only staff of this agency have availability."})


def _parse_ranges(ranges: Iterable[tuple[time, time]], day: str) -> list[tuple[time, time]]:
    """The service's own check of one day's ranges (the forms check first, field by field);
    `day` names the day in the error so that a caller without a form can still act on it."""
    parsed = []
    for start, end in ranges:
        if end != time(0) and end <= start:
            raise ValidationError(
                f"{day}, {start:%H:%M}-{end:%H:%M}: the end must be after the start."
            )
        parsed.append((start, end))
    parsed.sort()
    for (a_start, a_end), (b_start, b_end) in pairwise(parsed):
        if a_end == time(0) or b_start < a_end:
            raise ValidationError(
                f"{day}: {b_start:%H:%M}-{b_end:%H:%M} overlaps {a_start:%H:%M}-{a_end:%H:%M}."
            )
    return parsed


@transaction.atomic
def schedule_save(
    *,
    actor: Membership,
    member: Membership,
    time_zone: str,
    weekly: dict[int, list[tuple[time, time]]],
) -> Schedule:
    """Replace a host's weekly availability (several ranges a day, in their own zone)."""
    _may_edit_schedule(actor, member)
    schedule = Schedule.objects.for_agency(actor.agency).filter(membership=member).first()
    schedule = schedule or Schedule(agency=actor.agency, membership=member)
    schedule.time_zone = time_zone
    schedule.full_clean()
    schedule.save()
    rows = []
    for weekday, ranges in weekly.items():
        if weekday not in range(7):
            raise ValidationError(f"{weekday} is not a weekday.")
        for start, end in _parse_ranges(ranges, WeeklyRange.Weekday(weekday).label):
            rows.append(
                WeeklyRange(
                    agency=actor.agency, schedule=schedule, weekday=weekday, start=start, end=end
                )
            )
    schedule.weekly.all().delete()
    WeeklyRange.objects.bulk_create(rows)
    return schedule


@transaction.atomic
def override_save(
    *,
    actor: Membership,
    member: Membership,
    day: date,
    ranges: Sequence[tuple[time, time]],
    note: str = "",
) -> DateOverride:
    """Different hours on one date; no ranges means a day off."""
    _may_edit_schedule(actor, member)
    schedule = Schedule.objects.for_agency(actor.agency).filter(membership=member).first()
    if schedule is None:
        raise ValidationError("Set a weekly schedule first.")
    parsed = _parse_ranges(ranges, f"{day:%A %d %B %Y}")
    override, _ = DateOverride.objects.for_agency(actor.agency).update_or_create(
        schedule=schedule,
        day=day,
        defaults={
            "agency": actor.agency,
            "ranges": [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in parsed],
            "note": note.strip()[: limits.OVERRIDE_NOTE_MAX_LENGTH],
        },
    )
    return override


@transaction.atomic
def override_delete(*, actor: Membership, override: DateOverride) -> None:
    _may_edit_schedule(actor, override.schedule.membership)
    override.delete()


@transaction.atomic
def policy_save(
    *,
    actor: Membership,
    cancel_notice_hours: int | Unset = UNSET,
    max_reschedules: int | Unset = UNSET,
    privacy_notice: str | Unset = UNSET,
    confirm_by_email: bool | Unset = UNSET,
) -> BookingPolicy:
    """Change the agency's booking policy (the fields given; the others keep their value).
    A change is in the audit trail (old and new values; the notice's text only as changed)."""
    require(actor, C.MANAGE_OFFERS)
    policy = policy_for(actor.agency)
    given: dict[str, object] = {
        "cancel_notice_hours": cancel_notice_hours,
        "max_reschedules": max_reschedules,
        "privacy_notice": privacy_notice,
        "confirm_by_email": confirm_by_email,
    }
    changes: dict[str, object] = {}
    for field, value in given.items():
        if value is UNSET or getattr(policy, field) == value:
            continue
        old = getattr(policy, field)
        changes[field] = "changed" if field == "privacy_notice" else [old, value]
        setattr(policy, field, value)
    policy.full_clean(validate_constraints=False)
    policy.save()
    if changes:
        audit_record(
            verb=Verb.BOOKING_SETTINGS_CHANGED,
            actor=actor.user,
            agency=actor.agency,
            target=policy,
            target_repr="Booking policy",
            changes=changes,
        )
    return policy


# --- Privacy: erasure (called by apps.privacy) -----------------------------------------------


@transaction.atomic
def booking_anonymise(*, bookings: QuerySet[Booking], name: str, email: str) -> int:
    """Erasure keeps the agency's consultation history (when, which offer, which host, how it
    went) and forgets the visitor: their name and address become placeholders (`email` can
    never receive mail), and what they wrote (company, notes, prototype link, reasons) is
    cleared. One bulk update: the placeholders are valid by construction. Returns how many."""
    ids = list(bookings.values_list("pk", flat=True))
    BookingEvent.objects.filter(booking_id__in=ids).update(reason="")
    return Booking.objects.filter(pk__in=ids).update(
        booker_name=name,
        booker_email=email,
        booker_company="",
        booker_time_zone="UTC",
        booker_user=None,
        prototype_url="",
        notes="",
        cancel_reason="",
        updated_at=timezone.now(),
    )
