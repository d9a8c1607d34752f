"""Client pages, mounted under /<agency_slug>/."""

from django.urls import path

from apps.clients import views

urlpatterns = [
    path("clients/", views.ClientListView.as_view(), name="clients"),
    path("clients/new/", views.ClientCreateView.as_view(), name="client_create"),
    path("clients/<uuid:client_id>/edit/", views.ClientEditView.as_view(), name="client_edit"),
    path(
        "clients/<uuid:client_id>/contacts/<uuid:contact_id>/invite/",
        views.ContactInviteView.as_view(),
        name="contact_invite",
    ),
    path(
        "clients/<uuid:client_id>/contacts/<uuid:contact_id>/delete/",
        views.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
]
