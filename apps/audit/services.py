"""Writing the audit trail. Called by other services inside their own transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
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


# --- Privacy: erasure and retention (called by apps.privacy) --------------------------------


def audit_redact(*, events: models.QuerySet[AuditEvent], replacements: Mapping[str, str]) -> int:
    """Erasure is the one rewrite the trail allows: each piece of a person's data (an address,
    a name), in any case, becomes its placeholder wherever the selected rows quote it (the
    actor's address, the target, the changes). Returns how many rows changed."""
    patterns = [
        # Whole values only: "ann@x.test" is not inside "joann@x.test", "Ann" not in "Anna".
        (re.compile(rf"(?<![\w.+-]){re.escape(needle)}(?![\w-])", re.IGNORECASE), placeholder)
        for needle, placeholder in sorted(replacements.items(), key=lambda kv: -len(kv[0]))
        if needle.strip()
    ]

    def redact(value: Any) -> Any:
        if isinstance(value, str):
            for pattern, placeholder in patterns:
                value = pattern.sub(_constant(placeholder), value)
            return value
        if isinstance(value, list):
            return [redact(item) for item in value]
        if isinstance(value, dict):
            return {key: redact(item) for key, item in value.items()}
        return value

    changed = 0
    for event in events.only("pk", "actor_email", "target_repr", "changes").iterator():
        fields = {
            "actor_email": redact(event.actor_email)[:254],
            "target_repr": redact(event.target_repr)[:200],
            "changes": redact(event.changes),
        }
        if any(getattr(event, name) != value for name, value in fields.items()):
            AuditEvent.objects.filter(pk=event.pk).update(**fields)
            changed += 1
    return changed


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement for re.sub taken as it is (no backslash or group references)."""
    return lambda _match: text


def audit_forget_targets(*, events: models.QuerySet[AuditEvent], label: str) -> int:
    """Erasure of the objects these events are about: the target's name becomes `label` and
    the recorded changes (old and new values) go; who did what, and when, stays."""
    return events.update(target_repr=label, changes={})


def audit_forget_addresses(*, events: models.QuerySet[AuditEvent]) -> int:
    """Account deletion: the network addresses a person's own account events (sign-ins,
    failed sign-ins, password changes; no agency's) recorded. Agencies' events keep theirs
    as their security record, until retention removes them."""
    return events.filter(agency__isnull=True).exclude(ip_address=None).update(ip_address=None)


def audit_purge(*, agency: models.Model | None, before: datetime) -> int:
    """Retention: the agency's events older than `before` (agency None: the account events
    that belong to no agency). Returns how many went."""
    events = AuditEvent.objects.filter(created_at__lt=before)
    scoped = events.filter(agency__isnull=True) if agency is None else events.for_agency(agency)
    deleted, _ = scoped.delete()
    return deleted
