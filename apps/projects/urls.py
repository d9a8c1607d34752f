"""Engagement pages, My work and the client portal, mounted under /<agency_slug>/."""

from django.urls import path

from apps.projects import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="projects"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/<uuid:project_id>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<uuid:project_id>/edit/", views.ProjectEditView.as_view(), name="project_edit"),
    path("projects/<uuid:project_id>/tier/", views.ProjectTierView.as_view(), name="project_tier"),
    path(
        "projects/<uuid:project_id>/archive/",
        views.ProjectArchiveView.as_view(),
        name="project_archive",
    ),
    path(
        "projects/<uuid:project_id>/environments/",
        views.EnvironmentView.as_view(),
        name="project_environment",
    ),
    path(
        "projects/<uuid:project_id>/assignments/",
        views.AssignView.as_view(),
        name="project_assign",
    ),
    path(
        "projects/<uuid:project_id>/assignments/<uuid:assignment_id>/remove/",
        views.UnassignView.as_view(),
        name="project_unassign",
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
    path("work/", views.MyWorkView.as_view(), name="my_work"),
    path("portal/", views.PortalView.as_view(), name="portal"),
]
