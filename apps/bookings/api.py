"""API views for the agency side of consultation booking: its consultation types and
bookings, for its members (the public booking API is `bookings.public.api`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies.mixins import AgencyAPIMixin
from apps.agencies.models import Membership
from apps.agencies.roles import Capability
from apps.bookings import openapi, selectors, services
from apps.bookings.access import get_booking, get_offer
from apps.bookings.models import Booking, ConsultationType
from apps.bookings.serializers import (
    BookingDetailSerializer,
    BookingFilterSerializer,
    BookingSerializer,
    CancelSerializer,
    OfferSerializer,
    RescheduleSerializer,
    ZoneQuerySerializer,
)
from apps.core.api import CreatedCursorPagination, QueryFiltersMixin

C = Capability


class NameCursorPagination(CreatedCursorPagination):
    ordering = ("name", "id")


class StartCursorPagination(CreatedCursorPagination):
    ordering = ("start", "id")


# --- consultation types ----------------------------------------------------------------------


@extend_schema(tags=["consultation types"])
class OfferListAPI(AgencyAPIMixin, generics.ListAPIView):
    """The agency's consultation types by name, with their hosts. Staff only."""

    required_capability = C.USE_STAFF_APP
    serializer_class = OfferSerializer
    pagination_class = NameCursorPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.offer_list(agency=self.agency)

    @extend_schema(examples=openapi.OFFER_LIST_EXAMPLES)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["consultation types"])
class OfferDetailAPI(AgencyAPIMixin, APIView):
    required_capability = C.USE_STAFF_APP

    @extend_schema(responses=OfferSerializer, examples=openapi.OFFER_DETAIL_EXAMPLES)
    def get(self, request, agency_slug, offer_id):
        offer: ConsultationType = get_offer(agency=self.agency, offer_id=offer_id)
        return Response(OfferSerializer(offer).data)


# --- bookings --------------------------------------------------------------------------------


class BookingAccessMixin:
    """Load the booking through its one door (admins: all; hosts: their own) and answer with
    its full representation, times in the zone asked for."""

    membership: Membership  # set by AgencyAPIMixin, which comes first in the bases

    def booking(self, booking_id: UUID) -> Booking:
        return get_booking(member=self.membership, booking_id=booking_id)

    def booking_response(self, booking_id: UUID, time_zone: str = "UTC") -> Response:
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

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "time_zone": self.time_zone}

    @extend_schema(examples=openapi.BOOKING_LIST_EXAMPLES)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["bookings"])
class BookingDetailAPI(AgencyAPIMixin, BookingAccessMixin, APIView):
    required_capability = C.USE_STAFF_APP

    @extend_schema(
        parameters=[ZoneQuerySerializer],
        responses=BookingDetailSerializer,
        examples=openapi.BOOKING_DETAIL_EXAMPLES,
    )
    def get(self, request: Request, agency_slug: str, booking_id: UUID) -> Response:
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
        examples=openapi.BOOKING_CANCEL_EXAMPLES,
    )
    def post(self, request: Request, agency_slug: str, booking_id: UUID) -> Response:
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
        examples=openapi.BOOKING_RESCHEDULE_EXAMPLES,
    )
    def post(self, request: Request, agency_slug: str, booking_id: UUID) -> Response:
        booking = self.booking(booking_id)
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.booking_reschedule(
            booking=booking,
            new_start=serializer.validated_data["start"],
            reason=serializer.validated_data["reason"],
            by_booker=False,
            actor=self.membership,
        )
        return self.booking_response(booking.pk)
