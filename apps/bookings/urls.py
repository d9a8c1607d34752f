"""The agency side of booking, mounted under /<agency_slug>/ (the public pages live apart)."""

from django.urls import path

from apps.bookings import views

urlpatterns = [
    path("bookings/", views.BookingListView.as_view(), name="bookings"),
    path("bookings/<uuid:booking_id>/", views.BookingDetailView.as_view(), name="booking_detail"),
    path(
        "bookings/<uuid:booking_id>/cancel/",
        views.BookingCancelView.as_view(),
        name="booking_cancel",
    ),
    path(
        "bookings/<uuid:booking_id>/no-show/",
        views.BookingNoShowView.as_view(),
        name="booking_no_show",
    ),
    path(
        "bookings/<uuid:booking_id>/convert/",
        views.BookingConvertView.as_view(),
        name="booking_convert",
    ),
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    path(
        "availability/overrides/<uuid:override_id>/delete/",
        views.OverrideDeleteView.as_view(),
        name="override_delete",
    ),
    path("settings/offers/", views.OfferListView.as_view(), name="offers"),
    path("settings/offers/policy/", views.BookingPolicyView.as_view(), name="booking_policy"),
    path("settings/offers/<uuid:offer_id>/", views.OfferEditView.as_view(), name="offer_edit"),
]
