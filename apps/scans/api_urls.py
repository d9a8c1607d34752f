"""The agency API's routes for repository scans; config/api_urls.py mounts them."""

from django.urls import URLPattern, URLResolver, include, path

from apps.scans import api

# Mounted under /api/v1/agencies/<agency_slug>/projects/<project_id>/.
project_patterns: list[URLPattern | URLResolver] = [
    path("scans/", api.ProjectScanListAPI.as_view(), name="api_project_scans"),
]

# Mounted under /api/v1/agencies/<agency_slug>/.
agency_patterns: list[URLPattern | URLResolver] = [
    path(
        "scans/<uuid:scan_id>/",
        include(
            [
                path("", api.ScanDetailAPI.as_view(), name="api_scan"),
                path("findings/", api.ScanFindingListAPI.as_view(), name="api_scan_findings"),
                path("diff/", api.ScanDiffAPI.as_view(), name="api_scan_diff"),
                path(
                    "findings/<uuid:finding_id>/triage/",
                    api.FindingTriageAPI.as_view(),
                    name="api_finding_triage",
                ),
                path(
                    "export/<str:export_format>/",
                    api.ScanExportAPI.as_view(),
                    name="api_scan_export",
                ),
            ]
        ),
    ),
]
