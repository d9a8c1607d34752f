"""API views for consultation booking: the agency's consultation types and bookings (for its
members), and the public booking API (no account): free slots, booking, and the signed
manage link to read, cancel or reschedule a booking."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies.access import agency_for_public_slug
from apps.agencies.mixins import AgencyAPIMixin
from apps.agencies.roles import Capability
from apps.bookings import selectors, services, slots
from apps.bookings.access import (
    BadManageLinkError,
    booking_for_token,
    get_booking,
    get_offer,
    get_published_offer,
)
from apps.bookings.availability import calendar_for
from apps.bookings.models import Booking, ConsultationType
from apps.bookings.serializers import (
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_PATTERN,
    BookingDetailSerializer,
    BookingFilterSerializer,
    BookingSerializer,
    CancelSerializer,
    OfferSerializer,
    PublicBookingCreateSerializer,
    PublicBookingSerializer,
    RescheduleSerializer,
    SlotListingSerializer,
    SlotQuerySerializer,
    SlotSerializer,
    ZoneQuerySerializer,
)
from apps.core.api import CreatedCursorPagination, QueryFiltersMixin, error_body
from apps.core.errors import ApplicationError
from apps.core.tenancy import activate_agency

C = Capability

OFFER_ID = "5b3c0f8e-6a0e-4f51-9d2a-1c7e3b9a4d10"
HOST_ID = "04fce5cc-e11a-433d-a807-445cf73ff95f"
BOOKING_ID = "9e1d7c52-3f4b-4a8e-b1c6-7d2f0a5e8b93"
SLOT_EXAMPLE = {
    "start": "2026-03-10T04:00:00-04:00",
    "end": "2026-03-10T04:45:00-04:00",
    "start_utc": "2026-03-10T08:00:00Z",
}
PUBLIC_BOOKING_EXAMPLE = {
    "id": BOOKING_ID,
    "agency": {"name": "Northwind", "slug": "northwind"},
    "offer": {
        "name": "Prototype review",
        "slug": "prototype-review",
        "duration_minutes": 45,
        "location": "video",
        "location_detail": "https://meet.example.com/northwind",
    },
    "host": {"id": HOST_ID, "name": "Sam Rivera"},
    "start": "2026-03-10T04:00:00-04:00",
    "end": "2026-03-10T04:45:00-04:00",
    "time_zone": "America/New_York",
    "status": "confirmed",
    "name": "Ada Founder",
    "email": "ada@acme.example",
    "company": "Acme",
    "prototype_url": "https://acme-portal.lovable.app",
    "platform": "lovable",
    "expected_users": 5000,
    "compliance": ["gdpr"],
    "notes": "",
    "reschedule_count": 0,
    "cancelled_at": None,
    "cancel_reason": "",
    "manage_token": "eyJiIjoiOWUxZDdjNTIifQ:1vXyZa:Qm9va2luZ3MgYXJlIGZ1bg",
    "created_at": "2026-03-02T12:00:00Z",
}
AGENCY_BOOKING_EXAMPLE = {
    "id": BOOKING_ID,
    "offer": {
        "id": OFFER_ID,
        "name": "Prototype review",
        "slug": "prototype-review",
        "duration_minutes": 45,
    },
    "host": {"id": HOST_ID, "name": "Sam Rivera"},
    "start": "2026-03-10T09:00:00+01:00",
    "end": "2026-03-10T09:45:00+01:00",
    "status": "confirmed",
    "booker_name": "Ada Founder",
    "booker_email": "ada@acme.example",
    "booker_company": "Acme",
    "booker_time_zone": "America/New_York",
    "prototype_url": "https://acme-portal.lovable.app",
    "platform": "lovable",
    "expected_users": 5000,
    "compliance": ["gdpr"],
    "notes": "",
    "reschedule_count": 0,
    "cancelled_at": None,
    "cancel_reason": "",
    "client": None,
    "project": None,
    "created_at": "2026-03-02T12:00:00Z",
}


class NameCursorPagination(CreatedCursorPagination):
    ordering = ("name", "id")


class StartCursorPagination(CreatedCursorPagination):
    ordering = ("start", "id")


def slot_listing(
    offer: ConsultationType, *, first: date, last: date, time_zone: str
) -> dict[str, object]:
    """The offer's free slots on the local days first..last of `time_zone`, grouped by day
    (every day listed, in order). This is `availability.available_slots` plus the hosts'
    memberships, which the response names when the booker picks the host."""
    start, end = slots.local_days_in_utc(first, last, time_zone)
    calendar = calendar_for(offer, start=start, end=end)
    found = slots.compute_slots(
        rules=calendar.rules, hosts=calendar.hosts, start=start, end=end, now=timezone.now()
    )
    by_day = slots.slots_by_local_day(found, time_zone)
    named = offer.host_choice == ConsultationType.HostChoice.BOOKER_PICKS
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        entries = []
        for slot in by_day.get(day, ()):
            entry = {"start": slot.start, "end": slot.end, "start_utc": slot.start}
            if named:
                entry["hosts"] = [calendar.memberships[host_id] for host_id in slot.host_ids]
            entries.append(entry)
        days.append({"date": day, "slots": entries})
    return {"time_zone": time_zone, "offer": offer, "days": days}


# --- agency side: consultation types ---------------------------------------------------------


@extend_schema(tags=["consultation types"])
class OfferListAPI(AgencyAPIMixin, generics.ListAPIView):
    """The agency's consultation types by name, with their hosts. Staff only."""

    required_capability = C.USE_STAFF_APP
    serializer_class = OfferSerializer
    pagination_class = NameCursorPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.offer_list(agency=self.agency)

    @extend_schema(
        examples=[
            OpenApiExample(
                "One offer",
                value={
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": OFFER_ID,
                            "name": "Prototype review",
                            "slug": "prototype-review",
                            "description": "45 minutes on your prototype and the road to MVP.",
                            "duration_minutes": 45,
                            "interval_minutes": 30,
                            "buffer_before_minutes": 0,
                            "buffer_after_minutes": 15,
                            "minimum_notice_minutes": 240,
                            "booking_window_days": 60,
                            "daily_cap": 4,
                            "location": "video",
                            "location_detail": "https://meet.example.com/northwind",
                            "host_choice": "round_robin",
                            "is_active": True,
                            "hosts": [{"id": HOST_ID, "name": "Sam Rivera"}],
                            "created_at": "2026-01-12T09:30:01Z",
                            "updated_at": "2026-01-12T09:30:01Z",
                        }
                    ],
                },
                response_only=True,
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["consultation types"])
class OfferDetailAPI(AgencyAPIMixin, APIView):
    required_capability = C.USE_STAFF_APP

    @extend_schema(
        responses=OfferSerializer,
        examples=[
            OpenApiExample(
                "An offer the booker picks the host of",
                value={
                    "id": OFFER_ID,
                    "name": "Architecture deep dive",
                    "slug": "architecture-deep-dive",
                    "description": "",
                    "duration_minutes": 60,
                    "interval_minutes": 60,
                    "buffer_before_minutes": 10,
                    "buffer_after_minutes": 10,
                    "minimum_notice_minutes": 1440,
                    "booking_window_days": 30,
                    "daily_cap": None,
                    "location": "video",
                    "location_detail": "",
                    "host_choice": "booker_picks",
                    "is_active": True,
                    "hosts": [{"id": HOST_ID, "name": "Sam Rivera"}],
                    "created_at": "2026-01-12T09:30:01Z",
                    "updated_at": "2026-01-14T16:02:11Z",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, agency_slug, offer_id):
        offer = get_offer(agency=self.agency, offer_id=offer_id)
        return Response(OfferSerializer(offer).data)


# --- agency side: bookings -------------------------------------------------------------------


class BookingAccessMixin:
    """Load the booking through its one door (admins: all; hosts: their own) and answer with
    its full representation, times in the zone asked for."""

    def booking(self, booking_id) -> Booking:
        return get_booking(member=self.membership, booking_id=booking_id)

    def booking_response(self, booking_id, time_zone: str = "UTC") -> Response:
        # Re-read after a write, so the answer shows what is stored, history included.
        booking = self.booking(booking_id)
        return Response(BookingDetailSerializer(booking, context={"time_zone": time_zone}).data)


@extend_schema(tags=["bookings"])
class BookingListAPI(AgencyAPIMixin, QueryFiltersMixin, generics.ListAPIView):
    """Bookings by meeting start, earliest first: every booking for admins, their own for
    hosts (engineers). Client contacts are refused."""

    required_capability = C.USE_STAFF_APP
    serializer_class = BookingSerializer
    pagination_class = StartCursorPagination
    filter_backends = []
    filter_serializer_class = BookingFilterSerializer
    time_zone = "UTC"

    def get_queryset(self):
        data = self.query_filters()
        self.time_zone = data["tz"]
        return selectors.booking_list(
            member=self.membership,
            when="all",
            host=data.get("host"),
            status=data.get("status"),
            start=data.get("start"),
            end=data.get("end"),
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "time_zone": self.time_zone}

    @extend_schema(
        examples=[
            OpenApiExample(
                "This week's bookings, in Berlin time",
                value={"next": None, "previous": None, "results": [AGENCY_BOOKING_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["bookings"])
class BookingDetailAPI(AgencyAPIMixin, BookingAccessMixin, APIView):
    required_capability = C.USE_STAFF_APP

    @extend_schema(
        parameters=[ZoneQuerySerializer],
        responses=BookingDetailSerializer,
        examples=[
            OpenApiExample(
                "A booking and its history",
                value={
                    **AGENCY_BOOKING_EXAMPLE,
                    "consent_at": "2026-03-02T12:00:00Z",
                    "events": [
                        {
                            "kind": "booked",
                            "by_booker": True,
                            "actor": None,
                            "old_start": None,
                            "new_start": "2026-03-10T09:00:00+01:00",
                            "reason": "",
                            "created_at": "2026-03-02T12:00:00Z",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, agency_slug, booking_id):
        query = ZoneQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self.booking_response(booking_id, query.validated_data["tz"])


@extend_schema(tags=["bookings"])
class BookingCancelAPI(AgencyAPIMixin, BookingAccessMixin, APIView):
    required_capability = {"POST": C.MANAGE_OWN_AVAILABILITY}

    @extend_schema(
        request=CancelSerializer,
        responses=BookingDetailSerializer,
        description="Cancel the booking (admins: any; hosts: their own). Both sides are "
        "emailed, the invitation withdrawn. A booking already cancelled: 400 `booking_closed`.",
        examples=[
            OpenApiExample(
                "Cancel", value={"reason": "Our host is ill; please book again."}, request_only=True
            )
        ],
    )
    def post(self, request, agency_slug, booking_id):
        booking = self.booking(booking_id)
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.booking_cancel(
            booking=booking,
            reason=serializer.validated_data["reason"],
            by_booker=False,
            actor=self.membership,
        )
        return self.booking_response(booking.pk)


@extend_schema(tags=["bookings"])
class BookingRescheduleAPI(AgencyAPIMixin, BookingAccessMixin, APIView):
    required_capability = {"POST": C.MANAGE_OWN_AVAILABILITY}

    @extend_schema(
        request=RescheduleSerializer,
        responses=BookingDetailSerializer,
        description="Move the booking to another free start of its offer (the agency is not "
        "bound by the booker's cancellation policy). Refusals are 400 with the slot codes; a "
        "time taken meanwhile is 409 `slot_taken`: ask for the slots again.",
        examples=[
            OpenApiExample(
                "Move to Thursday",
                value={"start": "2026-03-12T10:00:00+01:00", "reason": "Host travelling."},
                request_only=True,
            )
        ],
    )
    def post(self, request, agency_slug, booking_id):
        booking = self.booking(booking_id)
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.booking_reschedule(
            booking=booking,
            new_start=serializer.validated_data["start"],
            reason=serializer.validated_data["reason"],
            by_booker=False,
            # BookingEvent.actor is a user; booking_cancel takes the membership instead.
            actor=self.membership,
        )
        return self.booking_response(booking.pk)


# --- public side -----------------------------------------------------------------------------


class PublicAPIView(APIView):
    """No account and no session: the agency comes from the path, a booking from its signed
    link. Without session authentication no CSRF check can refuse an anonymous POST; the
    anonymous throttle (per IP) still applies."""

    authentication_classes = []
    permission_classes = [AllowAny]


def _public_offer(agency_slug: str, offer_slug: str) -> ConsultationType:
    """A published offer of the agency at `agency_slug`; unknown and unpublished are 404."""
    agency = agency_for_public_slug(agency_slug)
    activate_agency(agency)
    return get_published_offer(agency=agency, offer_slug=offer_slug)


def _booking_from_link(token: str) -> Booking:
    try:
        booking = booking_for_token(token)
    except BadManageLinkError as exc:
        raise ApplicationError(exc.message, code="invalid_link") from None
    activate_agency(booking.agency)
    return booking


def _public_booking_response(booking: Booking, status_code: int = status.HTTP_200_OK):
    context = {"time_zone": booking.booker_time_zone}
    return Response(PublicBookingSerializer(booking, context=context).data, status=status_code)


PUBLIC_ERRORS = (
    "Refusals are 400 with `code` one of `in_the_past`, `inside_minimum_notice`, "
    "`beyond_booking_window`, `outside_availability`, `misaligned`, `daily_cap_reached`; a "
    "time someone else took first is 409 `slot_taken`."
)


@extend_schema(tags=["public booking"])
class PublicSlotsAPI(PublicAPIView):
    @extend_schema(
        parameters=[SlotQuerySerializer],
        responses=SlotListingSerializer,
        description="The offer's free start times on the booker's local days `from`..`to` (at "
        "most 62), grouped by day, every day listed. Times carry the booker's UTC offset, so "
        "DST changes on either side are already applied. `hosts` appears only when the booker "
        "picks the host. No account needed.",
        examples=[
            OpenApiExample(
                "Two days in New York",
                value={
                    "time_zone": "America/New_York",
                    "offer": {
                        "name": "Prototype review",
                        "slug": "prototype-review",
                        "description": "",
                        "duration_minutes": 45,
                        "location": "video",
                        "host_choice": "round_robin",
                    },
                    "days": [
                        {"date": "2026-03-09", "slots": []},
                        {"date": "2026-03-10", "slots": [SLOT_EXAMPLE]},
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, agency, offer):
        offer = _public_offer(agency, offer)
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        listing = slot_listing(offer, first=data["from"], last=data["to"], time_zone=data["tz"])
        return Response(SlotListingSerializer(listing, context={"time_zone": data["tz"]}).data)


SLOT_TAKEN_EXAMPLE = {
    "error": {
        "status": 409,
        "code": "slot_taken",
        "message": "That time was just taken. Please choose another time.",
        "request_id": "5f0c9a7e...",
        "slots": [SLOT_EXAMPLE],
    }
}


@extend_schema(tags=["public booking"])
class PublicBookingCreateAPI(PublicAPIView):
    @extend_schema(
        request=PublicBookingCreateSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_KEY_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                pattern=f"^{IDEMPOTENCY_KEY_PATTERN}$",
                description="A new random key per booking (a UUID will do). Sending the same "
                "key again returns the booking it made, with 200, instead of booking twice.",
            )
        ],
        responses={
            201: PublicBookingSerializer,
            200: OpenApiResponse(
                PublicBookingSerializer, description="The booking an earlier request made."
            ),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="`slot_taken`, with `slots`: that day's free times now.",
                examples=[OpenApiExample("Taken", value=SLOT_TAKEN_EXAMPLE)],
            ),
        },
        description="Book a slot. `start` is one of the slot starts; `host` only when the "
        "booker picks the host. The answer carries `manage_token` for cancelling and "
        "rescheduling; both sides are emailed an invitation. " + PUBLIC_ERRORS + " The 409 "
        "body's `error.slots` lists that day's free times as they are now.",
        examples=[
            OpenApiExample(
                "Book",
                value={
                    "start": "2026-03-10T04:00:00-04:00",
                    "time_zone": "America/New_York",
                    "name": "Ada Founder",
                    "email": "ada@acme.example",
                    "company": "Acme",
                    "prototype_url": "https://acme-portal.lovable.app",
                    "platform": "lovable",
                    "expected_users": 5000,
                    "compliance": ["gdpr"],
                    "notes": "",
                    "consent": True,
                },
                request_only=True,
            ),
            OpenApiExample("Booked", value=PUBLIC_BOOKING_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, agency, offer):
        offer = _public_offer(agency, offer)
        serializer = PublicBookingCreateSerializer(
            data=request.data,
            context={
                "agency": offer.agency,
                "offer": offer,
                "idempotency_key": request.headers.get(IDEMPOTENCY_KEY_HEADER),
            },
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Asking first lets a repeat be answered 200 instead of 201 (two racing twins may both
        # see 201; either way there is one booking).
        earlier = selectors.booking_for_idempotency_key(
            agency=offer.agency, key=data["idempotency_key"]
        )
        if earlier is not None:
            return _public_booking_response(earlier)
        try:
            booking = services.booking_create(
                consultation_type=offer,
                start=data["start"],
                booker=serializer.booker(),
                consent=data["consent"],
                idempotency_key=data["idempotency_key"],
                host=data["host"],
            )
        except services.SlotTakenError as exc:
            return self._slot_taken(exc, offer, data)
        return _public_booking_response(booking, status.HTTP_201_CREATED)

    @staticmethod
    def _slot_taken(exc: services.SlotTakenError, offer, data) -> Response:
        """The 409 answer, with that (booker-local) day's free times as they are now."""
        zone = data["time_zone"]
        day = data["start"].astimezone(ZoneInfo(zone)).date()
        listing = slot_listing(offer, first=day, last=day, time_zone=zone)
        body = error_body(code=exc.code, message=exc.message, status_code=exc.status)
        body["error"]["slots"] = SlotSerializer(
            listing["days"][0]["slots"], many=True, context={"time_zone": zone}
        ).data
        return Response(body, status=exc.status)


MANAGE_ERRORS = (
    "A forged or expired link is 400 `invalid_link`; a booking that no longer exists, 404. "
    "The agency's policy applies: `too_late` (inside its notice before the meeting), "
    "`reschedule_limit` (moved too often); a cancelled booking is `booking_closed`."
)


@extend_schema(tags=["public booking"])
class PublicBookingAPI(PublicAPIView):
    @extend_schema(
        responses=PublicBookingSerializer,
        description="The booking the signed link (from the confirmation email or the booking "
        "answer's `manage_token`) points at. " + MANAGE_ERRORS,
        examples=[OpenApiExample("A booking", value=PUBLIC_BOOKING_EXAMPLE, response_only=True)],
    )
    def get(self, request, token):
        return _public_booking_response(_booking_from_link(token))


@extend_schema(tags=["public booking"])
class PublicBookingCancelAPI(PublicAPIView):
    @extend_schema(
        request=CancelSerializer,
        responses=PublicBookingSerializer,
        description="Cancel through the signed link. " + MANAGE_ERRORS,
        examples=[
            OpenApiExample(
                "Cancel", value={"reason": "We found another agency."}, request_only=True
            ),
            OpenApiExample(
                "Cancelled",
                value={
                    **PUBLIC_BOOKING_EXAMPLE,
                    "status": "cancelled",
                    "cancelled_at": "2026-03-04T15:20:00Z",
                    "cancel_reason": "We found another agency.",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, token):
        booking = _booking_from_link(token)
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_cancel(
            booking=booking, reason=serializer.validated_data["reason"], by_booker=True
        )
        return _public_booking_response(booking)


@extend_schema(tags=["public booking"])
class PublicBookingRescheduleAPI(PublicAPIView):
    @extend_schema(
        request=RescheduleSerializer,
        responses=PublicBookingSerializer,
        description="Move the booking to another of the offer's free starts. "
        + PUBLIC_ERRORS
        + " "
        + MANAGE_ERRORS,
        examples=[
            OpenApiExample("Move", value={"start": "2026-03-11T05:00:00-04:00"}, request_only=True),
            OpenApiExample(
                "Moved",
                value={
                    **PUBLIC_BOOKING_EXAMPLE,
                    "start": "2026-03-11T05:00:00-04:00",
                    "end": "2026-03-11T05:45:00-04:00",
                    "reschedule_count": 1,
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, token):
        booking = _booking_from_link(token)
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_reschedule(
            booking=booking,
            new_start=serializer.validated_data["start"],
            reason=serializer.validated_data["reason"],
            by_booker=True,
        )
        return _public_booking_response(booking)
