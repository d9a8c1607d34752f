"""Writes for a person's own account."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.db import transaction
from guardian.models import UserObjectPermission

from apps.accounts.models import User
from apps.audit.models import Verb
from apps.audit.services import audit_record


@transaction.atomic
def user_update_profile(*, user: User, name: str, time_zone: str) -> User:
    changes: dict[str, list[str]] = {}
    for field, value in (("name", name.strip()), ("time_zone", time_zone)):
        old = getattr(user, field)
        if old != value:
            changes[field] = [old, value]
            setattr(user, field, value)
    if changes:
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(changes))
        audit_record(verb=Verb.PROFILE_UPDATED, actor=user, changes=changes)
    return user


# --- Privacy: account deletion (called by apps.privacy) ------------------------------------


@transaction.atomic
def user_anonymise(*, user: User, name: str, email: str) -> None:
    """Account deletion. The row stays, so that what agencies keep (comments, bookings, the
    audit trail) still points at someone, but nothing in it is the person's any more, and the
    login is gone: no password, no email addresses, no second factor, no sessions, inactive.
    `email` is a placeholder that can never receive mail (a `.invalid` address)."""
    user.name = name
    user.email = email
    user.time_zone = "UTC"
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    UserObjectPermission.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    if apps.is_installed("allauth.usersessions"):
        # Ending a session deletes it from the session store, where allauth keeps the
        # address each sign-in used; the unusable password already refuses the rest.
        for session in apps.get_model("usersessions", "UserSession").objects.filter(user=user):
            session.end()
