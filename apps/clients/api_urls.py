"""The agency API's routes for clients; config/api_urls.py mounts them."""

from django.urls import URLPattern, URLResolver, path

from apps.clients import api

# Mounted under /api/v1/agencies/<agency_slug>/.
agency_patterns: list[URLPattern | URLResolver] = [
    path("clients/", api.ClientListAPI.as_view(), name="api_clients"),
    path("clients/<uuid:client_id>/", api.ClientDetailAPI.as_view(), name="api_client"),
]
