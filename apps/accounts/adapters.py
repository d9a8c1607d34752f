"""allauth's integration point: where sign-ins land, and the audit trail of account events."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from apps.accounts.models import User
from apps.audit.models import Verb
from apps.audit.services import audit_record


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        # "home" sends people to their agency, the agency picker, or onboarding.
        return reverse("home")

    def login(self, request, user) -> None:
        super().login(request, user)
        audit_record(verb=Verb.LOGIN, actor=user)

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

    def set_password(self, user, password) -> None:
        super().set_password(user, password)
        audit_record(verb=Verb.PASSWORD_CHANGED, actor=user)
