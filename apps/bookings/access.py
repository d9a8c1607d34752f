"""Fetch-by-id for bookings, offers and overrides: 404 for missing, foreign or not yours."""

from __future__ import annotations

from django.http import Http404

from apps.agencies.models import Membership
from apps.agencies.roles import Capability
from apps.bookings.models import Booking, ConsultationType, DateOverride
from apps.bookings.selectors import booking_detail_queryset, hosts_prefetch
from apps.bookings.tokens import BadManageLinkError, booking_id_from_token
from apps.core.access import get_for_agency_or_404
from apps.core.tenancy import cross_agency


def get_booking(*, member: Membership, booking_id) -> Booking:
    return get_for_agency_or_404(
        booking_detail_queryset(member=member), agency=member.agency, pk=booking_id
    )


def get_offer(*, agency, offer_id) -> ConsultationType:
    return get_for_agency_or_404(
        ConsultationType.objects.prefetch_related(hosts_prefetch()), agency=agency, pk=offer_id
    )


def get_override(*, member: Membership, override_id) -> DateOverride:
    """An override on the member's own calendar, or anyone's for those who manage offers."""
    qs = DateOverride.objects.select_related("schedule__membership")
    if not member.can(Capability.MANAGE_OFFERS):
        qs = qs.filter(schedule__membership=member)
    return get_for_agency_or_404(qs, agency=member.agency, pk=override_id)


def get_published_offer(*, agency, offer_slug: str) -> ConsultationType:
    """The public page's offer: unknown and unpublished look the same."""
    offer = ConsultationType.objects.for_agency(agency).published().filter(slug=offer_slug).first()
    if offer is None:
        raise Http404
    offer.agency = agency  # already loaded: saves a query on every slot computation
    return offer


def booking_for_token(token: str) -> Booking:
    """The booking a signed manage link points at; raises BadManageLinkError for a bad link and
    Http404 for a booking that no longer exists."""
    booking_id = booking_id_from_token(token)
    # The signed token is the authority here: it establishes the tenant, like an API token.
    with cross_agency("booking manage link"):
        booking = (
            Booking.objects.select_related("agency", "consultation_type", "host__user")
            .filter(pk=booking_id)
            .first()
        )
    if booking is None:
        raise Http404
    return booking


__all__ = ["BadManageLinkError", "booking_for_token", "get_booking", "get_offer", "get_override"]
