"""Writing the audit trail. Called by other services inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from apps.audit.models import AuditEvent, Verb
from apps.core.context import current_client_ip, current_request_id


def audit_record(
    *,
    verb: Verb,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    agency: models.Model | None = None,
    target: models.Model | None = None,
    target_repr: str = "",
    changes: dict[str, Any] | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Append one event. IP address and request id come from the current request, if any.
    `actor` is the acting user (the row outlives their membership); `agency` is an Agency,
    typed as a Model because audit sits below agencies and accounts."""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_repr = target_repr or str(target)[:200]
    else:
        target_type = target_id = ""
    return AuditEvent.objects.create(
        agency_id=agency.pk if agency is not None else None,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        actor_email=(actor_email or getattr(actor, "email", "") or "")[:254],
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr[:200],
        changes=changes or {},
        ip_address=current_client_ip(),
        request_id=current_request_id() if current_request_id() != "-" else "",
    )
