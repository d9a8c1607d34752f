"""The API, version 1, mounted under /api/v1/. Each app owns its routes (`api_urls.py`);
this module only says where they hang."""

from django.urls import URLPattern, URLResolver, include, path

from apps.agencies import api_urls as agencies
from apps.bookings import api_urls as bookings
from apps.checklists import api_urls as checklists
from apps.clients import api_urls as clients
from apps.projects import api_urls as projects
from apps.scans import api_urls as scans

project_patterns = projects.project_patterns + checklists.project_patterns + scans.project_patterns

agency_patterns: list[URLPattern | URLResolver] = [
    *agencies.agency_patterns,
    *clients.agency_patterns,
    *projects.agency_patterns,
    path("projects/<uuid:project_id>/", include(project_patterns)),
    *scans.agency_patterns,
    *bookings.agency_patterns,
]

urlpatterns = [
    *agencies.root_patterns,
    path("agencies/<slug:agency_slug>/", include(agency_patterns)),
    path("book/", include(bookings.public_patterns)),
]
