"""The public booking API (no account): an offer's free slots, booking one, and the signed
manage link to read, cancel or reschedule a booking."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies.access import agency_for_public_slug
from apps.bookings import openapi, services, slots
from apps.bookings.access import BadManageLinkError, booking_for_token, get_published_offer
from apps.bookings.availability import available_slots
from apps.bookings.models import Booking, ConsultationType
from apps.bookings.public.throttles import (
    BookingAddressThrottle,
    BookingEmailThrottle,
    too_many_message,
)
from apps.bookings.serializers import (
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_PATTERN,
    CancelSerializer,
    PublicBookingCreateSerializer,
    PublicBookingSerializer,
    RescheduleSerializer,
    SlotListingSerializer,
    SlotQuerySerializer,
    SlotSerializer,
)
from apps.core.api import error_body
from apps.core.errors import ApplicationError
from apps.core.tenancy import activate_agency


def slot_listing(
    offer: ConsultationType, *, first: date, last: date, time_zone: str
) -> dict[str, Any]:
    """The offer's free slots on the local days first..last of `time_zone`, grouped by day
    (every day listed, in order), naming the hosts free for each when the booker picks the
    host."""
    start, end = slots.local_days_in_utc(first, last, time_zone)
    free = available_slots(offer, start=start, end=end)
    by_day = slots.slots_by_local_day(free, time_zone)
    named = offer.host_choice == ConsultationType.HostChoice.BOOKER_PICKS
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        entries = []
        for slot in by_day.get(day, ()):
            entry: dict[str, object] = {
                "start": slot.start,
                "end": slot.end,
                "start_utc": slot.start,
            }
            if named:
                entry["hosts"] = [free.hosts[host_id] for host_id in slot.host_ids]
            entries.append(entry)
        days.append({"date": day, "slots": entries})
    return {"time_zone": time_zone, "offer": offer, "days": days}


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


def _public_booking_response(booking: Booking, status_code: int = status.HTTP_200_OK) -> Response:
    context = {"time_zone": booking.booker_time_zone}
    return Response(PublicBookingSerializer(booking, context=context).data, status=status_code)


@extend_schema(tags=["public booking"])
class PublicSlotsAPI(PublicAPIView):
    @extend_schema(
        parameters=[SlotQuerySerializer],
        responses=SlotListingSerializer,
        description="The offer's free start times on the booker's local days `from`..`to` (at "
        "most 62), grouped by day, every day listed. Times carry the booker's UTC offset, so "
        "DST changes on either side are already applied. `hosts` appears only when the booker "
        "picks the host. No account needed.",
        examples=openapi.PUBLIC_SLOTS_EXAMPLES,
    )
    def get(self, request: Request, agency: str, offer: str) -> Response:
        offer_obj = _public_offer(agency, offer)
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        listing = slot_listing(offer_obj, first=data["from"], last=data["to"], time_zone=data["tz"])
        return Response(SlotListingSerializer(listing, context={"time_zone": data["tz"]}).data)


@extend_schema(tags=["public booking"])
class PublicBookingCreateAPI(PublicAPIView):
    # Besides the anonymous throttle: attempts per address and per booker email, counted
    # together with the booking form's (bookings.public.throttles).
    throttle_classes = [*APIView.throttle_classes, BookingAddressThrottle, BookingEmailThrottle]

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise Throttled(wait=wait, detail=too_many_message(int(wait or 60)))

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
                examples=openapi.SLOT_TAKEN_EXAMPLES,
            ),
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="`throttled`: too many attempts from this address or for this "
                "email; `Retry-After` says how many seconds to wait.",
            ),
        },
        description="Book a slot. `start` is one of the slot starts; `host` only when the "
        "booker picks the host. The answer carries `manage_token` for cancelling and "
        "rescheduling; both sides are emailed an invitation. Where the agency asks bookers to "
        "confirm by email, the booking is `pending` until `hold_expires_at`: only the booker "
        "is emailed, a link that confirms it (the manage token cannot); unconfirmed, it is "
        "released. " + openapi.PUBLIC_ERRORS + " The 409 body's `error.slots` lists that "
        "day's free times as they are now. An email address with too many open bookings with "
        "the agency is a 400 naming `email`; attempts are limited per address and per email "
        "(429 with `Retry-After`).",
        examples=openapi.PUBLIC_BOOKING_CREATE_EXAMPLES,
    )
    def post(self, request: Request, agency: str, offer: str) -> Response:
        offer_obj = _public_offer(agency, offer)
        serializer = PublicBookingCreateSerializer(
            data=request.data,
            context={
                "agency": offer_obj.agency,
                "offer": offer_obj,
                "idempotency_key": request.headers.get(IDEMPOTENCY_KEY_HEADER),
            },
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            # The service says whether this request made the booking: of two racing twins one
            # is answered 201 and the other 200, with the same booking.
            submission = services.booking_create(
                consultation_type=offer_obj,
                start=data["start"],
                booker=serializer.booker(),
                consent=data["consent"],
                idempotency_key=data["idempotency_key"],
                host=data["host"],
            )
        except services.SlotTakenError as exc:
            # The one refusal whose answer carries more than the error: the day's times now.
            return self._slot_taken(exc, offer_obj, data)
        code = status.HTTP_201_CREATED if submission.created else status.HTTP_200_OK
        return _public_booking_response(submission.booking, code)

    @staticmethod
    def _slot_taken(
        exc: services.SlotTakenError, offer: ConsultationType, data: dict[str, Any]
    ) -> Response:
        """The 409 answer, with that (booker-local) day's free times as they are now."""
        zone = data["time_zone"]
        day = data["start"].astimezone(ZoneInfo(zone)).date()
        listing = slot_listing(offer, first=day, last=day, time_zone=zone)
        body = error_body(code=exc.code, message=exc.message, status_code=exc.status)
        body["error"]["slots"] = SlotSerializer(
            listing["days"][0]["slots"], many=True, context={"time_zone": zone}
        ).data
        return Response(body, status=exc.status)


@extend_schema(tags=["public booking"])
class PublicBookingAPI(PublicAPIView):
    @extend_schema(
        responses=PublicBookingSerializer,
        description="The booking the signed link (from the confirmation email or the booking "
        "answer's `manage_token`) points at. " + openapi.MANAGE_ERRORS,
        examples=openapi.PUBLIC_BOOKING_EXAMPLES,
    )
    def get(self, request: Request, token: str) -> Response:
        return _public_booking_response(_booking_from_link(token))


@extend_schema(tags=["public booking"])
class PublicBookingCancelAPI(PublicAPIView):
    @extend_schema(
        request=CancelSerializer,
        responses=PublicBookingSerializer,
        description="Cancel through the signed link. " + openapi.MANAGE_ERRORS,
        examples=openapi.PUBLIC_CANCEL_EXAMPLES,
    )
    def post(self, request: Request, token: str) -> Response:
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
        + openapi.PUBLIC_ERRORS
        + " "
        + openapi.MANAGE_ERRORS,
        examples=openapi.PUBLIC_RESCHEDULE_EXAMPLES,
    )
    def post(self, request: Request, token: str) -> Response:
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
