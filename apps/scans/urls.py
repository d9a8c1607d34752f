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
]
