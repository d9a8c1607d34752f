"""allauth's integration point: where sign-ins land, and the audit trail of account events."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.urls import reverse

from apps.accounts.devices import known_device, remember_device
from apps.accounts.models import User
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.core import crypto
from apps.core.middleware import client_ip


class MFAAdapter(DefaultMFAAdapter):
    """Two-factor secrets (TOTP secret, recovery-code seed) are stored encrypted with the key
    ring of apps.core.crypto, never in the clear; `manage.py rotate_keys` re-encrypts them."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return crypto.decrypt(encrypted_text)
        except crypto.InvalidToken:
            # Not the person's fault and not theirs to fix: say what the operator must do.
            raise ImproperlyConfigured(
                "A two-factor secret cannot be read with any key in ENCRYPTION_KEYS: put back "
                "the key it was encrypted with (then run `manage.py rotate_keys`), or run "
                "`manage.py migrate accounts` to encrypt secrets stored before encryption."
            ) from None


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        # "home" sends people to their agency, the agency picker, or onboarding.
        return reverse("home")

    def login(self, request, user) -> None:
        super().login(request, user)
        remember_device(request, user.email)
        audit_record(verb=Verb.LOGIN, actor=user)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth's per-account failure count: a browser that signed in to this account before
        # counts on its own, so a guesser filling the account's count does not shut it out.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        login = credentials.get("email", credentials.get("username", "")) or ""
        device = known_device(request, login)
        return f"{key}:device:{device}" if device else key

    def logout(self, request) -> None:
        user = request.user if request.user.is_authenticated else None
        super().logout(request)
        if user is not None:
            audit_record(verb=Verb.LOGOUT, actor=user)

    def authentication_failed(self, request, **credentials) -> None:
        super().authentication_failed(request, **credentials)
        email = (credentials.get("email") or credentials.get("username") or "")[:254]
        # Attached to the account when one exists, so its owner sees attempts on it.
        user = User.objects.filter(email__iexact=email).first() if email else None
        audit_record(
            verb=Verb.LOGIN_FAILED,
            actor=user,
            actor_email=email,
            changes={"reason": "bad_credentials"},
        )

    def get_client_ip(self, request) -> str:
        """The address allauth's limits count: ours (apps.core.middleware.client_ip), which
        trusts exactly NUM_PROXIES forwarded hops and falls back to the connection's address
        when a request brings fewer, where allauth raised ImproperlyConfigured (a 500)."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def set_password(self, user, password) -> None:
        super().set_password(user, password)
        audit_record(verb=Verb.PASSWORD_CHANGED, actor=user)

    def send_notification_mail(
        self,
        template_prefix: str,
        user,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        # allauth calls this after each security-relevant account change, whether or not the
        # notification emails are switched on: the one hook that sees them all.
        audit_account_change(template_prefix=template_prefix, user=user, context=context or {})
        super().send_notification_mail(template_prefix, user, context, email)


# allauth's notification templates for the changes the audit trail keeps, with the method.
_MFA_CHANGES = {
    "mfa/email/totp_activated": (Verb.MFA_ENROLLED, "totp"),
    "mfa/email/totp_deactivated": (Verb.MFA_REMOVED, "totp"),
    "mfa/email/webauthn_added": (Verb.MFA_ENROLLED, "webauthn"),
    "mfa/email/webauthn_removed": (Verb.MFA_REMOVED, "webauthn"),
}


def audit_account_change(*, template_prefix: str, user, context: dict[str, Any]) -> None:
    """Record two-factor enrolment and removal and email changes, as allauth reports them."""

    if template_prefix in _MFA_CHANGES:
        verb, method = _MFA_CHANGES[template_prefix]
        audit_record(verb=verb, actor=user, changes={"method": method})
    elif template_prefix == "account/email/email_changed":
        audit_record(
            verb=Verb.EMAIL_CHANGED,
            actor=user,
            changes={"email": [context.get("from_email", ""), context.get("to_email", "")]},
        )


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """allauth.usersessions: signing out of other sessions is recorded in the audit trail."""

    def end_sessions(self, sessions) -> None:
        sessions = list(sessions)
        if not sessions:
            return
        with transaction.atomic():
            super().end_sessions(sessions)
            # One person's sessions: allauth lists them for the signed-in user only.
            audit_record(
                verb=Verb.SESSIONS_ENDED,
                actor=sessions[0].user,
                changes={"sessions_ended": len(sessions)},
            )
