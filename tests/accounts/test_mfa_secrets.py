"""Two-factor secrets at rest: the TOTP secret and the recovery-code seed are stored only
encrypted with the key ring of apps.core.crypto, sign-in with them keeps working through a
key rotation, and a wrong or missing key is a clear configuration error, never plaintext."""

from __future__ import annotations

import importlib
import json

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.support.mfa import reauthenticate, sign_in, totp_code

pytestmark = pytest.mark.django_db

NEW_KEY = "bmV3LWtleS1mb3ItbGF1bmNocGFkLXNlY3JldHMtMzI="
STRANGER_KEY = "YS1rZXktdGhhdC1uZXZlci1lbmNyeXB0ZWQtdGhlbSE="


def _enrol_totp(user) -> str:
    """Turn on TOTP through allauth's own pages, as a person would; returns the secret."""
    client = sign_in(user)
    reauthenticate(client)  # allauth asks for the password again before 2FA changes
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content
    return secret


def _raw_data(user) -> dict[str, str]:
    """The `data` column as the database holds it, read past the ORM and the adapter."""
    user_id = Authenticator._meta.get_field("user").target_field.get_db_prep_value(
        user.pk, connection
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, data FROM mfa_authenticator WHERE user_id = %s", [user_id])
        return {kind: data if isinstance(data, str) else json.dumps(data) for kind, data in cursor}


def _seed(user) -> str:
    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return get_adapter().decrypt(instance.data["seed"])


def _at_the_code_step(user) -> Client:
    """The password is given; allauth now asks for the second factor."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    return client


def _sign_in_with_totp(user, secret: str) -> None:
    # allauth refuses a code it has seen once within its period (a replay): the marker is in
    # the cache, which a new attempt in the same 30 seconds would otherwise hit.
    cache.clear()
    client = sign_in(user, secret=secret)
    assert client.get(reverse("profile")).status_code == 200


def test_the_raw_column_holds_neither_the_totp_secret_nor_the_recovery_seed():
    user = UserFactory()
    secret = _enrol_totp(user)
    raw = _raw_data(user)
    assert set(raw) == {"totp", "recovery_codes"}
    seed = _seed(user)
    codes = RecoveryCodes(
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    ).generate_codes()
    for column in raw.values():
        assert secret not in column
        assert secret.lower() not in column.lower()
        assert seed not in column
        assert not any(code in column for code in codes)
    # The ring made them: they read back with the configured key.
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert get_adapter().decrypt(totp.data["secret"]) == secret


def test_totp_sign_in_works_with_encrypted_secrets_and_after_a_key_rotation(settings):
    user = UserFactory()
    secret = _enrol_totp(user)
    _sign_in_with_totp(user, secret)

    before = _raw_data(user)
    settings.ENCRYPTION_KEYS = [NEW_KEY, *settings.ENCRYPTION_KEYS]
    call_command("rotate_keys", verbosity=0)
    settings.ENCRYPTION_KEYS = [NEW_KEY]  # the old key is gone
    after = _raw_data(user)
    assert after["totp"] != before["totp"]
    assert after["recovery_codes"] != before["recovery_codes"]

    _sign_in_with_totp(user, secret)
    # A recovery code still works too: the seed was re-encrypted, not lost.
    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    code = RecoveryCodes(instance).generate_codes()[0]
    cache.clear()
    client = _at_the_code_step(user)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200


def test_a_wrong_key_is_a_clear_configuration_error_at_sign_in(settings):
    user = UserFactory()
    secret = _enrol_totp(user)
    settings.ENCRYPTION_KEYS = [STRANGER_KEY]
    cache.clear()
    client = _at_the_code_step(user)
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEYS"):
        client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})


def test_with_no_key_enrolment_fails_loudly_and_stores_nothing(settings):
    user = UserFactory()
    client = sign_in(user)
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    settings.ENCRYPTION_KEYS = []
    settings.SCAN_TOKEN_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEYS is empty"):
        client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert not Authenticator.objects.filter(user=user).exists()


def test_a_malformed_key_is_a_clear_configuration_error(settings):
    settings.ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        get_adapter().encrypt("JBSWY3DPEHPK3PXP")


# --- The data migration that encrypts rows enrolled before this change --------------------


def _migration():
    return importlib.import_module("apps.accounts.migrations.0002_encrypt_mfa_secrets")


def _plaintext_rows(user) -> tuple[str, str]:
    """Rows as the old code wrote them: allauth's default adapter stored plaintext."""
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    seed = "0123456789abcdef" * 5
    Authenticator.objects.create(user=user, type="totp", data={"secret": secret})
    Authenticator.objects.create(
        user=user,
        type="recovery_codes",
        data={"seed": seed, "used_mask": 0, "migrated_codes": ["12345678", "87654321"]},
    )
    return secret, seed


def test_the_migration_encrypts_existing_secrets_once_and_reverses():
    user = UserFactory()
    secret, seed = _plaintext_rows(user)

    _migration().encrypt_mfa_secrets(django_apps, connection.schema_editor())
    encrypted = _raw_data(user)
    for column in encrypted.values():
        assert secret not in column
        assert seed not in column
        assert "12345678" not in column
    # Idempotent: a second run leaves already-encrypted values as they are.
    _migration().encrypt_mfa_secrets(django_apps, connection.schema_editor())
    assert _raw_data(user) == encrypted
    adapter = get_adapter()
    totp = Authenticator.objects.get(user=user, type="totp")
    codes = Authenticator.objects.get(user=user, type="recovery_codes")
    assert adapter.decrypt(totp.data["secret"]) == secret
    assert adapter.decrypt(codes.data["seed"]) == seed
    assert [adapter.decrypt(c) for c in codes.data["migrated_codes"]] == ["12345678", "87654321"]
    assert codes.data["used_mask"] == 0

    _migration().decrypt_mfa_secrets(django_apps, connection.schema_editor())
    totp.refresh_from_db()
    codes.refresh_from_db()
    assert totp.data == {"secret": secret}
    assert codes.data == {
        "seed": seed,
        "used_mask": 0,
        "migrated_codes": ["12345678", "87654321"],
    }


def test_the_migration_refuses_secrets_it_cannot_read(settings):
    user = UserFactory()
    _enrol_totp(user)
    before = _raw_data(user)
    settings.ENCRYPTION_KEYS = [STRANGER_KEY]
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEYS"):
        _migration().encrypt_mfa_secrets(django_apps, connection.schema_editor())
    assert _raw_data(user) == before
