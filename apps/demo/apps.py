from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and benchmark data sets (seed_demo, seed_bench): the top layer, so no
    production app carries demo code."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo data"
