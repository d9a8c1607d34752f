"""The engagement's activity feed: one row per change, written by every app that changes an
engagement (projects, checklists, scans), so it sits apart from the projects services."""

from __future__ import annotations

from django.db.models import Model

from apps.accounts.models import User
from apps.projects import limits
from apps.projects.models import Activity, Project


def record_activity(
    *,
    project: Project,
    actor: User | None,
    kind: str,
    item: Model | None = None,
    field: str = "",
    old: str = "",
    new: str = "",
    message: str = "",
) -> Activity:
    """Append one row and mark the engagement as just active. `actor` is the acting user, not
    their membership: the feed outlives a member's leaving; None for background work."""
    activity = activity_row(
        project=project, actor=actor, kind=kind, item=item, field=field, old=old, new=new,
        message=message,
    )  # fmt: skip
    activity.save()
    Project.objects.filter(pk=project.pk).update(last_activity_at=activity.created_at)
    return activity


def activity_row(
    *,
    project: Project,
    actor: User | None,
    kind: str,
    item: Model | None = None,
    field: str = "",
    old: str = "",
    new: str = "",
    message: str = "",
) -> Activity:
    """One feed row, not saved: for `bulk_create` when a change touches many items (the
    caller then marks the engagement active itself)."""
    return Activity(
        agency_id=project.agency_id,
        project=project,
        # By id: the item is a checklists row, and checklists sits above projects.
        item_id=item.pk if item is not None else None,
        actor=actor,
        kind=kind,
        field=field,
        old_value=old[: limits.ACTIVITY_TEXT_MAX_LENGTH],
        new_value=new[: limits.ACTIVITY_TEXT_MAX_LENGTH],
        message=message[: limits.ACTIVITY_TEXT_MAX_LENGTH],
    )
