from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """Pages that compose several apps (dashboard, portal, My work, the engagement page, the
    client page): above the apps they read, so those never import each other's views."""

    name = "apps.workspace"
    label = "workspace"
    verbose_name = "Workspace pages"
