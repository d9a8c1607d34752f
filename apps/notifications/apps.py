from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications and webhooks"

    def ready(self) -> None:
        from apps.core.crypto import register_encrypted_column
        from apps.notifications import builtin_kinds, invitations

        # Webhook signing secrets, re-encrypted by `manage.py rotate_keys`.
        register_encrypted_column("notifications.WebhookEndpoint", "secret_encrypted")
        builtin_kinds.register_all()
        invitations.register()
