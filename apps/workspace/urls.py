"""Pages composed from several apps, mounted under /<agency_slug>/ (paths and names as the
apps they read had them)."""

from django.urls import path

from apps.workspace import views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("portal/", views.PortalView.as_view(), name="portal"),
    path("portal/sign-off/", views.PortalSignOffView.as_view(), name="portal_sign_off"),
    path("work/", views.MyWorkView.as_view(), name="my_work"),
    path("clients/<uuid:client_id>/", views.ClientDetailView.as_view(), name="client_detail"),
    path("projects/<uuid:project_id>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path(
        "projects/<uuid:project_id>/checklist/<slug:category>/",
        views.ChecklistGroupView.as_view(),
        name="checklist_group",
    ),
    path(
        "projects/<uuid:project_id>/report/",
        views.ProjectReportView.as_view(),
        name="project_report",
    ),
    path(
        "projects/<uuid:project_id>/export.csv",
        views.ProjectExportView.as_view(),
        name="project_export",
    ),
]
