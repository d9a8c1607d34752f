"""The agency API's routes for members and invitations; config/api_urls.py mounts them."""

from django.urls import URLPattern, URLResolver, path

from apps.agencies import api

# Mounted at /api/v1/ itself: who the token belongs to.
root_patterns: list[URLPattern | URLResolver] = [
    path("me", api.MeAPI.as_view(), name="api_me"),
]

# Mounted under /api/v1/agencies/<agency_slug>/.
agency_patterns: list[URLPattern | URLResolver] = [
    path("members/", api.MemberListAPI.as_view(), name="api_members"),
    path("members/<uuid:member_id>/", api.MemberDetailAPI.as_view(), name="api_member"),
    path("invitations/", api.InvitationListAPI.as_view(), name="api_invitations"),
    path(
        "invitations/<uuid:invitation_id>/",
        api.InvitationDetailAPI.as_view(),
        name="api_invitation",
    ),
    path(
        "invitations/<uuid:invitation_id>/resend/",
        api.InvitationResendAPI.as_view(),
        name="api_invitation_resend",
    ),
]
