from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from apps.core.crypto import register_encrypted_column

        # allauth's two-factor secrets, which MFAAdapter encrypts (TOTP secret, recovery-code
        # seed, codes migrated from other libraries), re-encrypted by `manage.py rotate_keys`.
        register_encrypted_column(
            "mfa.Authenticator", "data", json_keys=("secret", "seed", "migrated_codes")
        )
