from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "apps.agencies"
    label = "agencies"
    verbose_name = "Agencies"

    def ready(self) -> None:
        # Registers the bearer scheme with drf-spectacular.
        from apps.agencies import schema  # noqa: F401
