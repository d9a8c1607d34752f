"""The agency API's routes for engagements; config/api_urls.py mounts them."""

from django.urls import URLPattern, URLResolver, path

from apps.projects import api

# Mounted under /api/v1/agencies/<agency_slug>/.
agency_patterns: list[URLPattern | URLResolver] = [
    path("projects/", api.ProjectListAPI.as_view(), name="api_projects"),
]

# Mounted under /api/v1/agencies/<agency_slug>/projects/<project_id>/, beside the routes
# the apps above projects hang off an engagement (items, readiness, scans).
project_patterns: list[URLPattern | URLResolver] = [
    path("", api.ProjectDetailAPI.as_view(), name="api_project"),
    path("tier/", api.ProjectTierAPI.as_view(), name="api_project_tier"),
    path("assignments/", api.AssignmentListAPI.as_view(), name="api_project_assignments"),
    path(
        "assignments/<uuid:assignment_id>/",
        api.AssignmentDetailAPI.as_view(),
        name="api_project_assignment",
    ),
]
