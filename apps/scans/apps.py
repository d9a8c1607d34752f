from django.apps import AppConfig


class ScansConfig(AppConfig):
    name = "apps.scans"
    label = "scans"
    verbose_name = "Repository scans"

    def ready(self) -> None:
        from apps.core.crypto import register_encrypted_column
        from apps.scans import notify

        # Private repositories' access tokens, re-encrypted by `manage.py rotate_keys`.
        register_encrypted_column("scans.RepositoryAccess", "token_encrypted")
        # Push webhook secrets: encrypted, not hashed (GitHub's signature needs the secret).
        register_encrypted_column("scans.RepositoryWebhook", "secret_encrypted")
        notify.register()
