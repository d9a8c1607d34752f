"""The agency API's routes for checklist items and readiness; config/api_urls.py mounts them."""

from django.urls import URLPattern, URLResolver, path

from apps.checklists import api

# Mounted under /api/v1/agencies/<agency_slug>/projects/<project_id>/.
project_patterns: list[URLPattern | URLResolver] = [
    path("items/", api.ItemListAPI.as_view(), name="api_project_items"),
    path("items/<uuid:item_id>/", api.ItemDetailAPI.as_view(), name="api_project_item"),
    path("readiness/", api.ReadinessAPI.as_view(), name="api_project_readiness"),
    path(
        "readiness/history/",
        api.ReadinessHistoryAPI.as_view(),
        name="api_project_readiness_history",
    ),
]
