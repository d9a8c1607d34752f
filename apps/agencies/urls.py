"""Agency-scoped pages, mounted under /<agency_slug>/."""

from django.urls import path

from apps.agencies import views

urlpatterns = [
    path("settings/", views.AgencySettingsView.as_view(), name="agency_settings"),
    path("settings/two-factor/", views.AgencyMfaPolicyView.as_view(), name="agency_mfa_policy"),
    path("settings/brand/", views.AgencyBrandView.as_view(), name="agency_brand"),
    path("settings/members/", views.MemberListView.as_view(), name="members"),
    path(
        "settings/members/<uuid:member_id>/role/",
        views.MemberRoleView.as_view(),
        name="member_role",
    ),
    path(
        "settings/members/<uuid:member_id>/remove/",
        views.MemberRemoveView.as_view(),
        name="member_remove",
    ),
    path("settings/invitations/", views.InvitationListView.as_view(), name="invitations"),
    path(
        "settings/invitations/<uuid:invitation_id>/resend/",
        views.InvitationResendView.as_view(),
        name="invitation_resend",
    ),
    path(
        "settings/invitations/<uuid:invitation_id>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("settings/tokens/", views.ApiTokenListView.as_view(), name="api_tokens"),
    path(
        "settings/tokens/<uuid:token_id>/revoke/",
        views.ApiTokenRevokeView.as_view(),
        name="api_token_revoke",
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
]
