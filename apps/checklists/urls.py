"""Checklist item pages and the agency's catalog, mounted under /<agency_slug>/."""

from django.urls import path

from apps.checklists import views

item = "projects/<uuid:project_id>/items/<uuid:item_id>/"

urlpatterns = [
    path("projects/<uuid:project_id>/items/bulk/", views.ItemBulkView.as_view(), name="items_bulk"),
    path(item, views.ItemDetailView.as_view(), name="item_detail"),
    path(item + "update/", views.ItemUpdateView.as_view(), name="item_update"),
    path(item + "status/", views.ItemStatusView.as_view(), name="item_status"),
    path(item + "evidence/", views.EvidenceView.as_view(), name="item_evidence"),
    path(item + "comments/", views.CommentView.as_view(), name="item_comment"),
    path(item + "sign-off/", views.SignOffView.as_view(), name="item_sign_off"),
    path("settings/catalog/", views.CatalogView.as_view(), name="catalog"),
    path(
        "settings/catalog/<uuid:catalog_item_id>/retire/",
        views.CatalogRetireView.as_view(),
        name="catalog_retire",
    ),
]
