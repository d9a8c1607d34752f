from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "apps.projects"
    label = "projects"
    verbose_name = "Engagements"

    def ready(self) -> None:
        from apps.agencies.hooks import member_became_client, member_leaving
        from apps.projects.services import assignments_revoke_for_member

        member_leaving.connect(assignments_revoke_for_member)
        member_became_client.connect(assignments_revoke_for_member)
