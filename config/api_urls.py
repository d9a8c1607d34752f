"""The API, version 1, mounted under /api/v1/."""

from django.urls import include, path

from apps.agencies import api as agencies_api

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
]

urlpatterns = [
    path("me", agencies_api.MeAPI.as_view(), name="api_me"),
    path("agencies/<slug:agency_slug>/", include(agency_patterns)),
]
