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
from apps.projects.activity import activity_row, record_activity
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


Change = tuple[str, Any, Any]


def _check_assignee(project: Project, assignee: Membership | Unset | None) -> None:
    if isinstance(assignee, Membership) and (
        assignee.agency_id != project.agency_id or assignee.role == "client"
    ):
        raise ValidationError({"assignee": "Choose an engineer or admin of this agency."})


def _apply(item: ProjectItem, requested: dict[str, Any]) -> list[Change]:
    """Set what `requested` changes on `item` (not saved); returns (field, old, new) for
    each change. Raises ValidationError when the result is not a valid item."""
    changes = []
    for field, given in requested.items():
        if given is UNSET:
            continue
        value = (given or "").strip() if field == "not_applicable_reason" else given
        old = getattr(item, field)
        if old != value:
            changes.append((field, old, value))
            setattr(item, field, value)
    if item.status != ItemStatus.NOT_APPLICABLE and requested["not_applicable_reason"] is UNSET:
        item.not_applicable_reason = ""
    if item.status == ItemStatus.NOT_APPLICABLE and not item.not_applicable_reason:
        raise ValidationError(
            {"not_applicable_reason": "Say why this item does not apply to the engagement."}
        )
    if any(field == "status" for field, _, _ in changes):
        item.completed_at = timezone.now() if item.status == ItemStatus.DONE else None
        if item.status != ItemStatus.DONE and item.signed_off_at:
            # A sign-off vouches for finished work; reopening the item withdraws it.
            item.signed_off_at = None
            item.signed_off_by = None
    return changes


def _activities(actor: Membership, item: ProjectItem, changes: list[Change]) -> list[Activity]:
    return [
        activity_row(
            project=item.project, actor=actor.user, kind=Activity.Kind.ITEM_CHANGED, item=item,
            field=field, old=_label(field, old), new=_label(field, new),
            message=item.not_applicable_reason
            if field == "status" and new == ItemStatus.NOT_APPLICABLE else "",
        )
        for field, old, new in changes
    ]  # fmt: skip


def _record_changes(
    actor: Membership, project: Project, changed: list[tuple[ProjectItem, list[Change]]]
) -> None:
    """The feed entries (one per field changed per item), readiness, and the webhook events
    of changed items: a constant number of queries however many items."""
    rows = [row for item, changes in changed for row in _activities(actor, item, changes)]
    Activity.objects.bulk_create(rows)
    Project.objects.filter(pk=project.pk).update(last_activity_at=timezone.now())
    if any(field == "status" for _, changes in changed for field, _, _ in changes):
        readiness_refresh(project=project)
    notify.items_changed(project, changed)


@transaction.atomic
def item_update(
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
    _check_assignee(project, assignee)
    changes = _apply(item, {
        "status": status, "not_applicable_reason": not_applicable_reason,
        "assignee": assignee, "due_date": due_date,
    })  # fmt: skip
    if not changes:
        return item
    item.full_clean()
    item.save()
    _record_changes(actor, project, [(item, changes)])
    return item


@dataclass(frozen=True)
class BulkResult:
    changed: int
    unchanged: int


BULK_FIELDS = [
    "status", "not_applicable_reason", "assignee", "due_date", "completed_at",
    "signed_off_at", "signed_off_by", "updated_at",
]  # fmt: skip


@transaction.atomic
def items_bulk_update(
    *,
    actor: Membership,
    project: Project,
    item_ids: list[Any],
    status: str | Unset = UNSET,
    not_applicable_reason: str | Unset | None = UNSET,
    assignee: Membership | Unset | None = UNSET,
    due_date: date | Unset | None = UNSET,
) -> BulkResult:
    """One change (a status, with one reason for all when it is "not applicable"; an
    assignee; a due date) to several items of one engagement, all or none: an item that is
    not on this engagement's current checklist refuses the whole change. One feed entry per
    item and field changed; a constant number of queries however many items."""
    project = lock_own(Project.objects.all(), agency=actor.agency, pk=project.pk)
    if not can_work_on(actor, project):
        raise _forbid()
    wanted = {str(pk) for pk in item_ids}
    if not wanted:
        raise ValidationError({"items": "Select at least one item."})
    if len(wanted) > limits.BULK_MAX_ITEMS:
        raise ValidationError({"items": f"Change at most {limits.BULK_MAX_ITEMS} items at once."})
    requested = {
        "status": status, "not_applicable_reason": not_applicable_reason,
        "assignee": assignee, "due_date": due_date,
    }  # fmt: skip
    if all(value is UNSET for value in requested.values()):
        raise ValidationError("Choose what to change.")
    _check_assignee(project, assignee)
    if status is not UNSET and status not in ItemStatus.values:
        raise ValidationError({"status": "Choose a status from the list."})
    reason_max = ProjectItem._meta.get_field("not_applicable_reason").max_length or 0
    if isinstance(not_applicable_reason, str) and len(not_applicable_reason) > reason_max:
        raise ValidationError({"not_applicable_reason": f"Keep it under {reason_max} characters."})
    items = list(
        ProjectItem.objects.for_agency(actor.agency)
        .select_for_update(of=("self",))
        .select_related("assignee__user")
        .filter(project=project, pk__in=wanted, retired_at__isnull=True)
        .order_by("category", "key")
    )
    if {str(item.pk) for item in items} != wanted:
        raise ValidationError(
            {"items": "Some of the selected items are not on this engagement's checklist "
                      "any more. Reload the page and select again."}
        )  # fmt: skip
    changed = []
    now = timezone.now()
    for item in items:
        item.project = project
        changes = _apply(item, dict(requested))
        if changes:
            item.updated_at = now
            changed.append((item, changes))
    if changed:
        ProjectItem.objects.bulk_update([item for item, _ in changed], BULK_FIELDS)
        _record_changes(actor, project, changed)
    return BulkResult(changed=len(changed), unchanged=len(items) - len(changed))


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


@transaction.atomic
def items_sign_off(*, actor: Membership, item_ids: list[Any]) -> int:
    """The client contact signs several finished items off at once (from the portal), all
    or none: an item not on their engagements, or not finished, refuses the whole sign-off.
    Items signed off already are left as they were. Returns how many were signed now."""
    wanted = {str(pk) for pk in item_ids}
    if not wanted:
        raise ValidationError({"items": "Select at least one item to sign off."})
    if len(wanted) > limits.BULK_MAX_ITEMS:
        raise ValidationError({"items": f"Sign off at most {limits.BULK_MAX_ITEMS} items at once."})
    items = list(
        ProjectItem.objects.for_agency(actor.agency)
        .select_for_update(of=("self",))
        .select_related("project", "project__agency")
        .filter(pk__in=wanted, retired_at__isnull=True)
        .order_by("project_id", "category", "key")
    )
    if {str(item.pk) for item in items} != wanted or not all(
        is_client_of(actor, item.project) for item in items
    ):
        raise PermissionDeniedError("Only the client's contacts can sign items off.")
    unfinished = [item.title for item in items if item.status != ItemStatus.DONE]
    if unfinished:
        raise ApplicationError(
            f"Only finished items can be signed off; reopened since: {', '.join(unfinished)}.",
            code="not_done",
        )
    now = timezone.now()
    signing = [item for item in items if item.signed_off_at is None]
    for item in signing:
        item.signed_off_by, item.signed_off_at, item.updated_at = actor.user, now, now
    ProjectItem.objects.bulk_update(signing, ["signed_off_by", "signed_off_at", "updated_at"])
    Activity.objects.bulk_create(
        activity_row(
            project=item.project, actor=actor.user, kind=Activity.Kind.ITEM_SIGNED_OFF, item=item
        )
        for item in signing
    )
    projects = {item.project_id: item.project for item in signing}
    Project.objects.filter(pk__in=list(projects)).update(last_activity_at=now)
    for project in projects.values():
        notify.items_signed_off(project, [i for i in signing if i.project_id == project.pk])
    return len(signing)


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
