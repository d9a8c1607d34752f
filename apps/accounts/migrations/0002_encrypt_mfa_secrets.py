"""Encrypt the two-factor secrets enrolled before MFAAdapter encrypted them (allauth's default
adapter stored them in the clear). Idempotent: values the key ring already reads are left as
they are. The reverse decrypts them again, for the code before this change."""

from django.db import migrations

from apps.core import crypto

# The keys of allauth's Authenticator.data that hold secrets: the TOTP secret, the recovery
# codes' seed, and recovery codes migrated from another library (a list).
SECRET_KEYS = ("secret", "seed", "migrated_codes")


def _map_secrets(apps, transform):
    Authenticator = apps.get_model("mfa", "Authenticator")
    column = crypto.EncryptedColumn("mfa.Authenticator", "data", SECRET_KEYS)
    for row in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]).order_by("pk"):
        data = column.map(row.data, transform)
        if data != row.data:
            Authenticator.objects.filter(pk=row.pk).update(data=data)


def _plaintext(value: str) -> str:
    if not crypto.is_token(value):
        return value
    # ensure_encrypted refuses a token no key reads; decrypting it would fail the same way.
    return crypto.decrypt(crypto.ensure_encrypted(value))


def encrypt_mfa_secrets(apps, schema_editor):
    _map_secrets(apps, crypto.ensure_encrypted)


def decrypt_mfa_secrets(apps, schema_editor):
    _map_secrets(apps, _plaintext)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_mfa_secrets, decrypt_mfa_secrets)]
