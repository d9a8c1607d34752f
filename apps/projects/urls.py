"""Engagement pages (list, create, edit, tier, team, environments, archive), mounted under
/<agency_slug>/; the engagement page itself is in apps.workspace."""

from django.urls import path

from apps.projects import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="projects"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
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
]
