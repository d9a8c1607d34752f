"""Privacy routes: `urlpatterns` under /<agency_slug>/, `account_patterns` under
/accounts/privacy/ (a person's own data) and `public_patterns` under /privacy/ (an agency's
public notice, like its booking pages: the path names the agency, not the signed-in member)."""

from django.urls import path

from apps.privacy import views

urlpatterns = [
    path("settings/privacy/", views.PrivacySettingsView.as_view(), name="privacy_settings"),
    path(
        "clients/<uuid:client_id>/privacy/",
        views.ClientPrivacyView.as_view(),
        name="client_privacy",
    ),
    path(
        "clients/<uuid:client_id>/privacy/export/",
        views.ClientExportView.as_view(),
        name="client_export",
    ),
    path(
        "clients/<uuid:client_id>/privacy/erase/",
        views.ClientEraseView.as_view(),
        name="client_erase",
    ),
]

account_patterns = [
    path("", views.AccountPrivacyView.as_view(), name="privacy_account"),
    path("export/", views.AccountExportView.as_view(), name="privacy_account_export"),
    path("delete/", views.AccountDeleteView.as_view(), name="privacy_account_delete"),
]

public_patterns = [
    path("<slug:agency>/", views.PublicPrivacyNoticeView.as_view(), name="privacy_notice"),
]
