"""Scan pages, mounted under /<agency_slug>/."""

from django.urls import path

from apps.scans import views

urlpatterns = [
    path(
        "projects/<uuid:project_id>/scans/",
        views.ProjectScansView.as_view(),
        name="project_scans",
    ),
    path("scans/<uuid:scan_id>/", views.ScanDetailView.as_view(), name="scan_detail"),
    path(
        "scans/<uuid:scan_id>/progress/",
        views.ScanProgressView.as_view(),
        name="scan_progress",
    ),
    path(
        "scans/<uuid:scan_id>/findings/<uuid:finding_id>/triage/",
        views.FindingTriageView.as_view(),
        name="finding_triage",
    ),
    path(
        "scans/<uuid:scan_id>/export/<str:export_format>/",
        views.ScanExportView.as_view(),
        name="scan_export",
    ),
    path(
        "projects/<uuid:project_id>/scans/push-webhook/disconnect/",
        views.PushWebhookDisconnectView.as_view(),
        name="project_push_webhook_disconnect",
    ),
]

# Outside any agency: the repository push webhook's receiver, mounted under /hooks/.
public_patterns = [
    path(
        "repository/<str:public_id>/",
        views.RepositoryPushView.as_view(),
        name="repository_push",
    ),
]
