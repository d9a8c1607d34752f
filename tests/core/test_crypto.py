"""The key ring for everything encrypted at rest (apps.core.crypto): one setting, the
registry of encrypted columns, `manage.py rotate_keys` over all of them, and the checks that
make a missing, malformed or deprecated key setting visible."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from apps.core import crypto
from apps.core.tenancy import cross_agency, current_cross_agency_reason
from apps.scans.models import RepositoryAccess
from apps.scans.services import scan_request
from tests.factories import RepositoryAccessFactory, UserFactory

NEW_KEY = "bmV3LWtleS1mb3ItbGF1bmNocGFkLXNlY3JldHMtMzI="
OLDER_KEY = "b2xkZXIta2V5LWZvci1sYXVuY2hwYWQtc2VjcmV0cyE="


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    settings.ENCRYPTION_KEYS = [OLDER_KEY]
    token = crypto.encrypt("hello")
    assert "hello" not in token
    settings.ENCRYPTION_KEYS = [NEW_KEY, OLDER_KEY]
    assert crypto.decrypt(token) == "hello"
    rotated = crypto.rotate(token)
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    assert crypto.decrypt(rotated) == "hello"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(token)


def test_a_missing_or_malformed_key_is_a_clear_configuration_error(settings):
    settings.ENCRYPTION_KEYS = []
    settings.SCAN_TOKEN_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEYS is empty"):
        crypto.encrypt("x")
    settings.ENCRYPTION_KEYS = ["short"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        crypto.encrypt("x")


def test_the_deprecated_scan_token_keys_still_work_when_encryption_keys_is_unset(settings):
    settings.ENCRYPTION_KEYS = []
    settings.SCAN_TOKEN_KEYS = [OLDER_KEY]
    token = crypto.encrypt("legacy deployment")
    settings.SCAN_TOKEN_KEYS = []
    settings.ENCRYPTION_KEYS = [OLDER_KEY]
    assert crypto.decrypt(token) == "legacy deployment"


def test_a_token_is_told_from_plaintext_secrets():
    assert crypto.is_token(crypto.encrypt("JBSWY3DPEHPK3PXP"))
    assert not crypto.is_token("JBSWY3DPEHPK3PXP")  # a base32 TOTP secret
    assert not crypto.is_token("0123456789abcdef" * 5)  # a hex recovery seed
    assert not crypto.is_token("")
    assert not crypto.is_token("gAAAA not base64 at all!")


def test_ensure_encrypted_encrypts_plaintext_once_and_refuses_foreign_tokens(settings):
    once = crypto.ensure_encrypted("JBSWY3DPEHPK3PXP")
    assert crypto.decrypt(once) == "JBSWY3DPEHPK3PXP"
    assert crypto.ensure_encrypted(once) == once
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEYS"):
        crypto.ensure_encrypted(once)


# --- The registry ------------------------------------------------------------------------


def test_the_apps_register_every_encrypted_column():
    columns = {(c.model, c.field): c for c in crypto.encrypted_columns()}
    assert set(columns) == {
        ("scans.RepositoryAccess", "token_encrypted"),
        ("scans.RepositoryWebhook", "secret_encrypted"),
        ("notifications.WebhookEndpoint", "secret_encrypted"),
        ("mfa.Authenticator", "data"),
    }
    assert set(columns["mfa.Authenticator", "data"].json_keys) == {
        "secret",
        "seed",
        "migrated_codes",
    }


def test_registering_a_column_twice_keeps_one_and_a_conflict_is_refused():
    before = crypto.encrypted_columns()
    crypto.register_encrypted_column("scans.RepositoryAccess", "token_encrypted")
    assert crypto.encrypted_columns() == before
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        crypto.register_encrypted_column(
            "scans.RepositoryAccess", "token_encrypted", json_keys=["other"]
        )
    assert crypto.encrypted_columns() == before


def test_a_column_maps_only_its_encrypted_values():
    whole = crypto.EncryptedColumn("a.B", "token")
    assert whole.map("abc", str.upper) == "ABC"
    nested = crypto.EncryptedColumn("a.B", "data", json_keys=("secret", "codes"))
    value = {"secret": "s", "codes": ["a", "b"], "used_mask": 3}
    assert nested.map(value, str.upper) == {"secret": "S", "codes": ["A", "B"], "used_mask": 3}
    assert value == {"secret": "s", "codes": ["a", "b"], "used_mask": 3}  # not changed in place
    assert nested.map({"credential": "x"}, str.upper) == {"credential": "x"}


# --- manage.py rotate_keys ------------------------------------------------------------------


def _stored(model, field: str, pk) -> object:
    return model.objects.filter(pk=pk).values_list(field, flat=True).get()


@pytest.fixture
def secrets_of_both_kinds(repo, scanned_project, owner):
    project = scanned_project(str(repo()))
    scan_request(project=project, actor=owner, token="ghp_" + "A1b2C3d4" * 4)
    user = UserFactory()
    totp = TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").instance
    return RepositoryAccess.objects.get(project=project), totp


@pytest.mark.django_db
def test_rotate_keys_re_encrypts_every_column_so_the_old_key_can_go(
    settings, secrets_of_both_kinds
):
    access, totp = secrets_of_both_kinds
    old_token = _stored(RepositoryAccess, "token_encrypted", access.pk)
    old_secret = _stored(Authenticator, "data", totp.pk)
    settings.ENCRYPTION_KEYS = [NEW_KEY, *settings.ENCRYPTION_KEYS]

    call_command("rotate_keys", verbosity=0)

    settings.ENCRYPTION_KEYS = [NEW_KEY]  # the old key is removed
    assert _stored(RepositoryAccess, "token_encrypted", access.pk) != old_token
    assert _stored(Authenticator, "data", totp.pk) != old_secret
    access.refresh_from_db()
    totp.refresh_from_db()
    assert crypto.decrypt(access.token_encrypted) == "ghp_" + "A1b2C3d4" * 4
    assert crypto.decrypt(totp.data["secret"]) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_rotate_keys_runs_on_the_named_cross_agency_path(
    settings, secrets_of_both_kinds, monkeypatch
):
    seen = []
    real_rotate = crypto.rotate

    def spy(value: str) -> str:
        seen.append(current_cross_agency_reason())
        return real_rotate(value)

    monkeypatch.setattr(crypto, "rotate", spy)
    call_command("rotate_keys", verbosity=0)
    assert seen
    assert set(seen) == {"key rotation"}


@pytest.mark.rls
@pytest.mark.django_db
def test_rotate_keys_reaches_every_agencys_rows_from_outside_any_tenant_scope(settings):
    # Run as from a shell, with no tenant scope: on PostgreSQL row-level security shows the
    # command no agency's tokens unless it opens the cross-agency path itself.
    with cross_agency("test data"):
        accesses = [
            RepositoryAccessFactory(token_encrypted=crypto.encrypt(f"token-{n}")) for n in range(2)
        ]
    assert accesses[0].agency_id != accesses[1].agency_id
    settings.ENCRYPTION_KEYS = [NEW_KEY, *settings.ENCRYPTION_KEYS]

    call_command("rotate_keys", verbosity=0)

    settings.ENCRYPTION_KEYS = [NEW_KEY]
    with cross_agency("test check"):
        for n, access in enumerate(accesses):
            access.refresh_from_db()
            assert crypto.decrypt(access.token_encrypted) == f"token-{n}"


@pytest.mark.django_db
def test_rotate_keys_reports_values_no_key_can_read_and_rotates_the_rest(
    settings, secrets_of_both_kinds
):
    access, totp = secrets_of_both_kinds
    # A token from a key that is no longer configured: lost already, rotation must say so.
    current_key = settings.ENCRYPTION_KEYS[0]
    settings.ENCRYPTION_KEYS = [OLDER_KEY]
    stranger = crypto.encrypt("from a removed key")
    RepositoryAccess.objects.filter(pk=access.pk).update(token_encrypted=stranger)
    settings.ENCRYPTION_KEYS = [NEW_KEY, current_key]

    with pytest.raises(CommandError, match="1 value"):
        call_command("rotate_keys", verbosity=0)

    access.refresh_from_db()
    totp.refresh_from_db()
    assert access.token_encrypted == stranger  # left as it was
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    assert crypto.decrypt(totp.data["secret"]) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_rotate_keys_with_no_key_configured_is_a_clear_error(settings, secrets_of_both_kinds):
    settings.ENCRYPTION_KEYS = []
    settings.SCAN_TOKEN_KEYS = []
    with pytest.raises(CommandError, match="ENCRYPTION_KEYS is empty"):
        call_command("rotate_keys", verbosity=0)


@pytest.mark.django_db
def test_the_old_scan_command_still_rotates_everything(settings, secrets_of_both_kinds):
    _, totp = secrets_of_both_kinds
    settings.ENCRYPTION_KEYS = [NEW_KEY, *settings.ENCRYPTION_KEYS]
    call_command("rotate_scan_tokens", verbosity=0)
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    totp.refresh_from_db()
    assert crypto.decrypt(totp.data["secret"]) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_rows_without_encrypted_values_are_not_rewritten(settings):
    user = UserFactory()
    webauthn = Authenticator.objects.create(user=user, type="webauthn", data={"name": "Key"})
    call_command("rotate_keys", verbosity=0)
    webauthn.refresh_from_db()
    assert webauthn.data == {"name": "Key"}


# --- System checks -----------------------------------------------------------------------


def test_checks_flag_a_malformed_key_and_the_deprecated_setting(settings):
    settings.ENCRYPTION_KEYS = ["nope"]
    assert [m.id for m in crypto.check_encryption_keys()] == ["core.E001"]
    settings.ENCRYPTION_KEYS = []
    settings.SCAN_TOKEN_KEYS = [OLDER_KEY]
    assert [m.id for m in crypto.check_encryption_keys()] == ["core.W001"]
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    settings.SCAN_TOKEN_KEYS = []
    assert crypto.check_encryption_keys() == []


def test_the_deploy_check_requires_a_key(settings):
    settings.ENCRYPTION_KEYS = []
    settings.SCAN_TOKEN_KEYS = []
    assert [m.id for m in crypto.check_encryption_keys_for_deploy()] == ["core.W002"]
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    assert crypto.check_encryption_keys_for_deploy() == []
