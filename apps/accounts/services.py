"""Writes for a person's own account."""

from __future__ import annotations

from django.db import transaction

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
