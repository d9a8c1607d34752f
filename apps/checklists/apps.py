from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "apps.checklists"
    label = "checklists"
    verbose_name = "Checklists"

    def ready(self) -> None:
        from apps.checklists import notify
        from apps.checklists.services import checklist_follow_profile
        from apps.projects.hooks import profile_changed

        profile_changed.connect(checklist_follow_profile)
        notify.register()
