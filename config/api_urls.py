"""The API, version 1, mounted under /api/v1/."""

from django.urls import include, path

from apps.agencies import api as agencies_api
from apps.bookings import api as bookings_api
from apps.checklists import api as checklists_api
from apps.clients import api as clients_api
from apps.projects import api as projects_api
from apps.scans import api as scans_api

agency_patterns = [
    path("members/", agencies_api.MemberListAPI.as_view(), name="api_members"),
    path("members/<uuid:member_id>/", agencies_api.MemberDetailAPI.as_view(), name="api_member"),
    path("invitations/", agencies_api.InvitationListAPI.as_view(), name="api_invitations"),
    path(
        "invitations/<uuid:invitation_id>/",
        agencies_api.InvitationDetailAPI.as_view(),
        name="api_invitation",
    ),
    path(
        "invitations/<uuid:invitation_id>/resend/",
        agencies_api.InvitationResendAPI.as_view(),
        name="api_invitation_resend",
    ),
    path("clients/", clients_api.ClientListAPI.as_view(), name="api_clients"),
    path("clients/<uuid:client_id>/", clients_api.ClientDetailAPI.as_view(), name="api_client"),
    path("projects/", projects_api.ProjectListAPI.as_view(), name="api_projects"),
    path(
        "projects/<uuid:project_id>/",
        include(
            [
                path("", projects_api.ProjectDetailAPI.as_view(), name="api_project"),
                path("tier/", projects_api.ProjectTierAPI.as_view(), name="api_project_tier"),
                path(
                    "assignments/",
                    projects_api.AssignmentListAPI.as_view(),
                    name="api_project_assignments",
                ),
                path(
                    "assignments/<uuid:assignment_id>/",
                    projects_api.AssignmentDetailAPI.as_view(),
                    name="api_project_assignment",
                ),
                path("items/", checklists_api.ItemListAPI.as_view(), name="api_project_items"),
                path(
                    "items/<uuid:item_id>/",
                    checklists_api.ItemDetailAPI.as_view(),
                    name="api_project_item",
                ),
                path(
                    "readiness/",
                    checklists_api.ReadinessAPI.as_view(),
                    name="api_project_readiness",
                ),
                path(
                    "readiness/history/",
                    checklists_api.ReadinessHistoryAPI.as_view(),
                    name="api_project_readiness_history",
                ),
                path("scans/", scans_api.ProjectScanListAPI.as_view(), name="api_project_scans"),
            ]
        ),
    ),
    path(
        "scans/<uuid:scan_id>/",
        include(
            [
                path("", scans_api.ScanDetailAPI.as_view(), name="api_scan"),
                path("findings/", scans_api.ScanFindingListAPI.as_view(), name="api_scan_findings"),
                path("diff/", scans_api.ScanDiffAPI.as_view(), name="api_scan_diff"),
            ]
        ),
    ),
    path("consultation-types/", bookings_api.OfferListAPI.as_view(), name="api_offers"),
    path(
        "consultation-types/<uuid:offer_id>/",
        bookings_api.OfferDetailAPI.as_view(),
        name="api_offer",
    ),
    path("bookings/", bookings_api.BookingListAPI.as_view(), name="api_bookings"),
    path(
        "bookings/<uuid:booking_id>/",
        include(
            [
                path("", bookings_api.BookingDetailAPI.as_view(), name="api_booking"),
                path("cancel/", bookings_api.BookingCancelAPI.as_view(), name="api_booking_cancel"),
                path(
                    "reschedule/",
                    bookings_api.BookingRescheduleAPI.as_view(),
                    name="api_booking_reschedule",
                ),
            ]
        ),
    ),
]

# The public booking API: no account. A booking is reached through its signed manage link;
# `manage` is a reserved agency slug, so these never shadow an agency's routes.
public_booking_patterns = [
    path("manage/<str:token>/", bookings_api.PublicBookingAPI.as_view(), name="api_public_booking"),
    path(
        "manage/<str:token>/cancel/",
        bookings_api.PublicBookingCancelAPI.as_view(),
        name="api_public_booking_cancel",
    ),
    path(
        "manage/<str:token>/reschedule/",
        bookings_api.PublicBookingRescheduleAPI.as_view(),
        name="api_public_booking_reschedule",
    ),
    path(
        "<slug:agency>/<slug:offer>/slots/",
        bookings_api.PublicSlotsAPI.as_view(),
        name="api_public_slots",
    ),
    path(
        "<slug:agency>/<slug:offer>/bookings/",
        bookings_api.PublicBookingCreateAPI.as_view(),
        name="api_public_bookings",
    ),
]

urlpatterns = [
    path("me", agencies_api.MeAPI.as_view(), name="api_me"),
    path("agencies/<slug:agency_slug>/", include(agency_patterns)),
    path("book/", include(public_booking_patterns)),
]
