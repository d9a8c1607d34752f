"""The API's routes for consultations: the agency's, and the public booking API."""

from django.urls import URLPattern, URLResolver, include, path

from apps.bookings import api
from apps.bookings.public import api as public_api

# Mounted under /api/v1/agencies/<agency_slug>/.
agency_patterns: list[URLPattern | URLResolver] = [
    path("consultation-types/", api.OfferListAPI.as_view(), name="api_offers"),
    path("consultation-types/<uuid:offer_id>/", api.OfferDetailAPI.as_view(), name="api_offer"),
    path("bookings/", api.BookingListAPI.as_view(), name="api_bookings"),
    path(
        "bookings/<uuid:booking_id>/",
        include(
            [
                path("", api.BookingDetailAPI.as_view(), name="api_booking"),
                path("cancel/", api.BookingCancelAPI.as_view(), name="api_booking_cancel"),
                path(
                    "reschedule/",
                    api.BookingRescheduleAPI.as_view(),
                    name="api_booking_reschedule",
                ),
            ]
        ),
    ),
]

# Mounted under /api/v1/book/: no account. A booking is reached through its signed manage
# link; `manage` is a reserved agency slug, so these never shadow an agency's routes.
public_patterns: list[URLPattern | URLResolver] = [
    path("manage/<str:token>/", public_api.PublicBookingAPI.as_view(), name="api_public_booking"),
    path(
        "manage/<str:token>/cancel/",
        public_api.PublicBookingCancelAPI.as_view(),
        name="api_public_booking_cancel",
    ),
    path(
        "manage/<str:token>/reschedule/",
        public_api.PublicBookingRescheduleAPI.as_view(),
        name="api_public_booking_reschedule",
    ),
    path(
        "<slug:agency>/<slug:offer>/slots/",
        public_api.PublicSlotsAPI.as_view(),
        name="api_public_slots",
    ),
    path(
        "<slug:agency>/<slug:offer>/bookings/",
        public_api.PublicBookingCreateAPI.as_view(),
        name="api_public_bookings",
    ),
]
