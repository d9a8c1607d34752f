"""Writing the audit trail. Called by other services inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.audit.models import AuditEvent, Verb
from apps.core.context import current_client_ip, current_request_id


def audit_record(
    *,
    verb: Verb,
    actor=None,
    agency=None,
    target: models.Model | None = None,
    target_repr: str = "",
    changes: dict[str, Any] | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Append one event. IP address and request id come from the current request, if any."""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_repr = target_repr or str(target)[:200]
    else:
        target_type = target_id = ""
    return AuditEvent.objects.create(
        agency=agency,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_email=(actor_email or getattr(actor, "email", "") or "")[:254],
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr[:200],
        changes=changes or {},
        ip_address=current_client_ip(),
        request_id=current_request_id() if current_request_id() != "-" else "",
    )
