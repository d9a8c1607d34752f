from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from apps.core.rls import on_post_migrate

        # Sent once per migrate for this app, after every app's migrations have run.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="launchpad-rls")
