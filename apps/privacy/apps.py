from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Privacy rights: a person's data export and account deletion, a client's export and
    erasure, retention of old records, and each agency's public privacy notice. It reads
    every app below it, so it sits at the top beside workspace."""

    name = "apps.privacy"
    label = "privacy"
    verbose_name = "Privacy rights"
