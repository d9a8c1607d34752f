"""Writes for checklists: building an engagement's checklist from its profile, changing
items (status, assignee, due date, evidence, comments, client sign-off), keeping readiness
and its daily history current, and an agency's own catalog items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.agencies.models import Membership
from apps.agencies.roles import Capability, require
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.checklists import limits, notify, readiness
from apps.checklists.models import (
    CatalogItem,
    Comment,
    Evidence,
    ItemStatus,
    Level,
    ProjectItem,
    ReadinessSnapshot,
)
from apps.checklists.selectors import project_readiness
from apps.core import outbox
from apps.core.access import lock_own
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.unset import UNSET, Unset
from apps.projects.activity import record_activity
from apps.projects.limits import ACTIVITY_TEXT_MAX_LENGTH
from apps.projects.models import Activity, Project
from apps.projects.permissions import can_comment_on, can_work_on, is_client_of


def _forbid() -> PermissionDeniedError:
    return PermissionDeniedError("You cannot change this engagement's checklist.")


# --- Building the checklist ---------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    added: int
    retired: int
    restored: int


@transaction.atomic
def checklist_sync(*, project: Project, actor: Membership | None = None) -> SyncResult:
    """Make the checklist match the profile. New items are added, items that stop applying
    are retired with their status, evidence and history intact, and come back as they were
    if the profile changes back. `actor` is None for background work (a catalog change)."""
    project = Project.objects.for_agency(project.agency).select_for_update().get(pk=project.pk)
    catalog = list(CatalogItem.objects.available_to(project.agency))
    applicable = {item.pk: item for item in catalog if item.applies_to_project(project)}
    existing = {
        item.catalog_item_id: item
        for item in ProjectItem.objects.for_agency(project.agency).filter(project=project)
    }
    now = timezone.now()
    new_items = [
        ProjectItem.from_catalog(catalog_item, agency_id=project.agency_id, project=project)
        for pk, catalog_item in applicable.items()
        if pk not in existing
    ]
    to_retire = [i for pk, i in existing.items() if pk not in applicable and i.retired_at is None]
    to_restore = [i for pk, i in existing.items() if pk in applicable and i.retired_at is not None]
    ProjectItem.objects.bulk_create(new_items, batch_size=500)
    ProjectItem.objects.filter(pk__in=[i.pk for i in to_retire]).update(
        retired_at=now, updated_at=now
    )
    ProjectItem.objects.filter(pk__in=[i.pk for i in to_restore]).update(
        retired_at=None, updated_at=now
    )
    result = SyncResult(added=len(new_items), retired=len(to_retire), restored=len(to_restore))
    if result.added or result.retired or result.restored:
        parts = [
            f"{n} {label}"
            for n, label in (
                (result.added, "added"),
                (result.retired, "no longer apply"),
                (result.restored, "apply again"),
            )
            if n
        ]
        record_activity(
            project=project,
            actor=actor.user if actor is not None else None,
            kind=Activity.Kind.CHECKLIST_SYNCED,
            message=f"Checklist items: {', '.join(parts)}.",
        )
        readiness_refresh(project=project)
    return result


def checklist_follow_profile(*, project: Project, actor: Membership) -> None:
    """The receiver of projects' profile_changed hook (ChecklistsConfig.ready)."""
    checklist_sync(project=project, actor=actor)


# --- Readiness ------------------------------------------------------------------------------


def readiness_refresh(*, project: Project, day: date | None = None) -> readiness.Readiness:
    """Recompute, store on the engagement, and record today's point of the history."""
    result = project_readiness(project=project)
    overall = result.overall.percent or 0
    open_items = result.overall.total - result.overall.done
    Project.objects.filter(pk=project.pk).update(readiness=overall, open_items=open_items)
    project.readiness, project.open_items = overall, open_items
    ReadinessSnapshot.objects.update_or_create(
        agency_id=project.agency_id,
        project=project,
        day=day or timezone.localdate(),
        defaults={"overall": overall, "categories": result.as_snapshot()},
    )
    return result


# --- Changing items -------------------------------------------------------------------------


def _label(field: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if field == "status":
        return str(ItemStatus(value).label)
    if field == "assignee":
        return str(value.user.display_name)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@transaction.atomic
def item_update(  # noqa: PLR0912 - one branch per thing an item can change, in order
    *,
    actor: Membership,
    item: ProjectItem,
    status: str | Unset = UNSET,
    not_applicable_reason: str | Unset | None = UNSET,
    assignee: Membership | Unset | None = UNSET,
    due_date: date | Unset | None = UNSET,
) -> ProjectItem:
    """Change an item's status, N/A reason, assignee or due date; each change is recorded
    in the engagement's feed with the old and new value."""
    item = lock_own(
        ProjectItem.objects.select_related("project", "assignee__user"),
        agency=actor.agency,
        pk=item.pk,
    )
    project = item.project
    if not can_work_on(actor, project):
        raise _forbid()
    if item.retired_at is not None:
        raise ApplicationError(
            "This item no longer applies to the engagement's profile.", code="item_retired"
        )
    if isinstance(assignee, Membership) and (
        assignee.agency_id != project.agency_id or assignee.role == "client"
    ):
        raise ValidationError({"assignee": "Choose an engineer or admin of this agency."})
    requested: dict[str, Any] = {
        "status": status,
        "not_applicable_reason": not_applicable_reason,
        "assignee": assignee,
        "due_date": due_date,
    }
    changes = []
    for field, given in requested.items():
        if given is UNSET:
            continue
        value = (given or "").strip() if field == "not_applicable_reason" else given
        old = getattr(item, field)
        if old != value:
            changes.append((field, old, value))
            setattr(item, field, value)
    if item.status != ItemStatus.NOT_APPLICABLE and not_applicable_reason is UNSET:
        item.not_applicable_reason = ""
    if item.status == ItemStatus.NOT_APPLICABLE and not item.not_applicable_reason:
        raise ValidationError(
            {"not_applicable_reason": "Say why this item does not apply to the engagement."}
        )
    if not changes:
        return item
    status_changed = any(field == "status" for field, _, _ in changes)
    if status_changed:
        item.completed_at = timezone.now() if item.status == ItemStatus.DONE else None
        if item.status != ItemStatus.DONE and item.signed_off_at:
            # A sign-off vouches for finished work; reopening the item withdraws it.
            item.signed_off_at = None
            item.signed_off_by = None
    item.full_clean()
    item.save()
    for field, old, new in changes:
        record_activity(
            project=project,
            actor=actor.user,
            kind=Activity.Kind.ITEM_CHANGED,
            item=item,
            field=field,
            old=_label(field, old),
            new=_label(field, new),
            message=item.not_applicable_reason
            if field == "status" and new == ItemStatus.NOT_APPLICABLE
            else "",
        )
    if status_changed:
        readiness_refresh(project=project)
    notify.item_changed(item, changes)
    return item


@transaction.atomic
def evidence_add(
    *, actor: Membership, item: ProjectItem, url: str = "", note: str = ""
) -> Evidence:
    if not can_work_on(actor, item.project):
        raise _forbid()
    evidence = Evidence(
        agency_id=item.agency_id, item=item, url=url.strip(), note=note.strip(), added_by=actor.user
    )
    evidence.full_clean()
    evidence.save()
    record_activity(
        project=item.project,
        actor=actor.user,
        kind=Activity.Kind.ITEM_EVIDENCE,
        item=item,
        new=evidence.url or evidence.note[: limits.ACTIVITY_EVIDENCE_PREVIEW_LENGTH],
    )
    return evidence


@transaction.atomic
def comment_add(*, actor: Membership, item: ProjectItem, body: str) -> Comment:
    if not can_comment_on(actor, item.project):
        raise PermissionDeniedError("You cannot comment on this engagement.")
    comment = Comment(agency_id=item.agency_id, item=item, author=actor.user, body=body.strip())
    comment.full_clean()
    comment.save()
    record_activity(
        project=item.project,
        actor=actor.user,
        kind=Activity.Kind.ITEM_COMMENT,
        item=item,
        message=comment.body[:ACTIVITY_TEXT_MAX_LENGTH],
    )
    notify.comment_posted(comment, author=actor)
    return comment


@transaction.atomic
def item_sign_off(*, actor: Membership, item: ProjectItem) -> ProjectItem:
    """The client contact confirms a finished item. Only done items can be signed off."""
    item = lock_own(ProjectItem.objects.select_related("project"), agency=actor.agency, pk=item.pk)
    if not is_client_of(actor, item.project):
        raise PermissionDeniedError("Only the client's contacts can sign items off.")
    if item.status != ItemStatus.DONE or item.retired_at is not None:
        raise ApplicationError("Only finished items can be signed off.", code="not_done")
    if item.signed_off_at:
        return item
    item.signed_off_by = actor.user
    item.signed_off_at = timezone.now()
    item.save(update_fields=["signed_off_by", "signed_off_at", "updated_at"])
    record_activity(
        project=item.project, actor=actor.user, kind=Activity.Kind.ITEM_SIGNED_OFF, item=item
    )
    notify.signed_off(item)
    return item


# --- The agency's own catalog items -----------------------------------------------------------


@transaction.atomic
def catalog_item_create(
    *,
    actor: Membership,
    key: str,
    category: str,
    title: str,
    guidance: str,
    severity: str,
    level: str = Level.BRONZE,
    target: str = "",
    tiers: list[str] | None = None,
    frameworks: list[str] | None = None,
    platforms: list[str] | None = None,
) -> CatalogItem:
    """An item of the agency's own, added to every active engagement it applies to."""
    from apps.checklists.tasks import sync_agency_checklists  # noqa: PLC0415 - the tasks module imports these services

    require(actor, Capability.MANAGE_AGENCY)
    item = CatalogItem(
        agency=actor.agency,
        key=key.strip().lower(),
        created_by=actor.user,
        category=category,
        title=title,
        guidance=guidance,
        severity=severity,
        level=level,
        target=target,
        tiers=tiers or [],
        frameworks=frameworks or [],
        platforms=platforms or [],
    )
    item.full_clean()
    if not item.key.startswith(f"{item.category}."):
        raise ValidationError({"key": f"Start the key with “{item.category}.”"})
    item.save()
    audit_record(verb=Verb.CATALOG_ITEM_CREATED, actor=actor.user, agency=actor.agency, target=item)
    outbox.enqueue(sync_agency_checklists, agency=actor.agency)
    return item


@transaction.atomic
def catalog_item_retire(*, actor: Membership, item: CatalogItem) -> CatalogItem:
    """Stop adding the agency's item to engagements; engagements keep the work done on it."""
    from apps.checklists.tasks import sync_agency_checklists  # noqa: PLC0415 - the tasks module imports these services

    require(actor, Capability.MANAGE_AGENCY)
    if item.agency_id != actor.agency_id:
        raise PermissionDeniedError
    if item.retired_at is None:
        item.retired_at = timezone.now()
        item.save(update_fields=["retired_at", "updated_at"])
        audit_record(
            verb=Verb.CATALOG_ITEM_UPDATED,
            actor=actor.user,
            agency=actor.agency,
            target=item,
            changes={"retired": True},
        )
        outbox.enqueue(sync_agency_checklists, agency=actor.agency)
    return item
