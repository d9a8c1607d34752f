"""Public booking pages, mounted under /book/. `manage` is a reserved agency slug."""

from django.urls import path

from apps.bookings.public import views

urlpatterns = [
    path("manage/<str:token>/", views.ManageBookingView.as_view(), name="booking_manage"),
    path("manage/<str:token>/invite.ics", views.BookingIcsView.as_view(), name="booking_ics"),
    path(
        "manage/<str:token>/confirm/<str:code>/",
        views.ConfirmBookingView.as_view(),
        name="booking_confirm",
    ),
    path(
        "<slug:agency>/brand/logo-<str:version>.png",
        views.AgencyLogoView.as_view(),
        name="book_logo",
    ),
    path(
        "<slug:agency>/brand/style-<str:version>.css",
        views.AgencyStyleView.as_view(),
        name="book_style",
    ),
    path("<slug:agency>/", views.AgencyOffersView.as_view(), name="book_agency"),
    path("<slug:agency>/<slug:offer>/", views.BookOfferView.as_view(), name="book_offer"),
]
