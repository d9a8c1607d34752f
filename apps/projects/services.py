"""Writes for engagements: create, change the profile, the tier, environments, archive, and
assign engineers (which grants or revokes their guardian permissions)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from apps.agencies.models import Membership
from apps.agencies.roles import Capability, Role, require
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.clients.models import Client
from apps.core.access import ensure_own, lock_own
from apps.projects.models import (
    Activity,
    Assignment,
    Environment,
    Project,
    ProjectUserObjectPermission,
)
from apps.projects.permissions import WORK_PERMS
from apps.projects.profile import Framework, Tier

C = Capability
PROFILE_FIELDS = (
    "client", "name", "description", "source_platform", "repository_url", "stack",
    "users_at_launch", "users_in_a_year", "compliance", "stage", "target_launch",
)  # fmt: skip
# A change to any of these can change which checklist items apply.
CHECKLIST_FIELDS = {"source_platform", "users_at_launch", "users_in_a_year", "compliance"}


def _display(project: Project, field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if field == "client":
        return str(value)
    if field in ("stage", "source_platform"):
        return str(dict(Project._meta.get_field(field).choices).get(value, value))
    if field == "compliance":
        return ", ".join(Framework(v).label for v in value)
    if field == "stack":
        return ", ".join(value)
    return str(value)[:500]


def record_activity(
    *,
    project: Project,
    actor,
    kind: str,
    item=None,
    field: str = "",
    old: str = "",
    new: str = "",
    message: str = "",
) -> Activity:
    activity = Activity.objects.create(
        agency_id=project.agency_id,
        project=project,
        item=item,
        actor=actor,
        kind=kind,
        field=field,
        old_value=old[:500],
        new_value=new[:500],
        message=message[:500],
    )
    Project.objects.filter(pk=project.pk).update(last_activity_at=activity.created_at)
    return activity


def _clean_profile(fields: dict) -> dict:
    cleaned = {k: v for k, v in fields.items() if k in PROFILE_FIELDS}
    if "compliance" in cleaned:
        unknown = set(cleaned["compliance"]) - set(Framework.values)
        if unknown:
            from django.core.exceptions import ValidationError

            raise ValidationError(
                {"compliance": f"Unknown frameworks: {', '.join(sorted(unknown))}"}
            )
        cleaned["compliance"] = sorted(set(cleaned["compliance"]))
    if "stack" in cleaned:
        cleaned["stack"] = [s.strip()[:40] for s in cleaned["stack"] if s and s.strip()][:20]
    return cleaned


@transaction.atomic
def project_create(*, actor: Membership, client: Client, name: str, **fields) -> Project:
    from apps.checklists.services import checklist_sync

    require(actor, C.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, client)
    project = Project(
        agency=actor.agency, client=client, name=name.strip(), **_clean_profile(fields)
    )
    project.full_clean()
    project.save()
    record_activity(project=project, actor=actor.user, kind=Activity.Kind.PROJECT_CREATED)
    audit_record(verb=Verb.PROJECT_CREATED, actor=actor.user, agency=actor.agency, target=project)
    checklist_sync(project=project, actor=actor.user)
    return project


@transaction.atomic
def project_update(*, actor: Membership, project: Project, **fields) -> Project:
    from apps.checklists.services import checklist_sync

    require(actor, C.MANAGE_ENGAGEMENTS)
    project = lock_own(Project.objects.select_related("client"), agency=actor.agency, pk=project.pk)
    changed = []
    for name, value in _clean_profile(fields).items():
        old = getattr(project, name)
        if old != value:
            changed.append((name, old, value))
            setattr(project, name, value)
    if not changed:
        return project
    project.full_clean()
    project.save()
    for name, old, new in changed:
        record_activity(
            project=project,
            actor=actor.user,
            kind=Activity.Kind.PROJECT_UPDATED,
            field=name,
            old=_display(project, name, old),
            new=_display(project, name, new),
        )
    if CHECKLIST_FIELDS & {name for name, _, _ in changed}:
        checklist_sync(project=project, actor=actor.user)
    return project


@transaction.atomic
def project_set_tier(*, actor: Membership, project: Project, tier: str, reason: str) -> Project:
    """Override the recommended tier (with a reason), or clear the override with tier=""."""
    from django.core.exceptions import ValidationError

    from apps.checklists.services import checklist_sync

    require(actor, C.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, project)
    reason = reason.strip()
    if tier and tier not in Tier.values:
        raise ValidationError({"tier": f"“{tier}” is not a tier."})
    if tier and not reason:
        raise ValidationError({"reason": "Say why this engagement needs a different tier."})
    old_label = project.get_tier_display()
    project.tier_override = tier
    project.tier_override_reason = reason if tier else ""
    project.tier_overridden_by = actor.user if tier else None
    project.full_clean()
    project.save(
        update_fields=["tier_override", "tier_override_reason", "tier_overridden_by", "updated_at"]
    )
    record_activity(
        project=project,
        actor=actor.user,
        kind=Activity.Kind.TIER_OVERRIDDEN,
        field="tier",
        old=old_label,
        new=project.get_tier_display(),
        message=reason if tier else "Back to the recommended tier.",
    )
    checklist_sync(project=project, actor=actor.user)
    return project


@transaction.atomic
def project_archive(*, actor: Membership, project: Project, archived: bool = True) -> Project:
    require(actor, C.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, project)
    if bool(project.archived_at) == archived:
        return project
    project.archived_at = timezone.now() if archived else None
    project.save(update_fields=["archived_at", "updated_at"])
    record_activity(
        project=project,
        actor=actor.user,
        kind=Activity.Kind.PROJECT_UPDATED,
        field="archived",
        old="no" if archived else "yes",
        new="yes" if archived else "no",
    )
    audit_record(
        verb=Verb.PROJECT_ARCHIVED if archived else Verb.PROJECT_RESTORED,
        actor=actor.user,
        agency=actor.agency,
        target=project,
    )
    return project


@transaction.atomic
def environment_set(
    *, actor: Membership, project: Project, kind: str, url: str = "", notes: str = ""
) -> Environment:
    require(actor, C.MANAGE_ENGAGEMENTS)
    # The engagement's row, locked: two people saving the same environment at once queue
    # here instead of both inserting it (one would have hit the unique constraint as a 500).
    # Another agency's engagement is not found.
    project = lock_own(Project.objects, agency=actor.agency, pk=project.pk)
    environment = Environment.objects.for_agency(actor.agency).filter(
        project=project, kind=kind
    ).first() or Environment(agency=actor.agency, project=project, kind=kind)
    old = environment.url
    environment.url, environment.notes = url.strip(), notes.strip()
    environment.full_clean()
    environment.save()
    if old != environment.url:
        record_activity(
            project=project,
            actor=actor.user,
            kind=Activity.Kind.PROJECT_UPDATED,
            field=f"{kind} URL",
            old=old,
            new=environment.url,
        )
    return environment


@transaction.atomic
def project_assign(*, actor: Membership, project: Project, member: Membership) -> Assignment:
    """Put a staff member on the engagement and grant them its guardian permissions."""
    from django.core.exceptions import ValidationError

    require(actor, C.MANAGE_ENGAGEMENTS)
    # Another agency's engagement is not found (and would otherwise get a row and grants).
    ensure_own(actor.agency, project)
    if member.agency_id != project.agency_id:
        raise ValidationError({"member": "Choose someone from this agency."})
    if member.role not in (Role.OWNER, Role.ADMIN, Role.ENGINEER):
        raise ValidationError({"member": "Only engineers and admins work on engagements."})
    assignment = Assignment(
        agency=actor.agency, project=project, membership=member, assigned_by=actor.user
    )
    assignment.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise ValidationError({"member": "This engineer is already assigned."}) from None
    for codename in WORK_PERMS:
        assign_perm(f"projects.{codename}", member.user, project)
    record_activity(
        project=project,
        actor=actor.user,
        kind=Activity.Kind.ENGINEER_ASSIGNED,
        new=member.user.display_name,
    )
    audit_record(
        verb=Verb.PROJECT_ASSIGNED,
        actor=actor.user,
        agency=actor.agency,
        target=project,
        changes={"member": member.user.email},
    )
    return assignment


def _revoke(member: Membership, project: Project) -> None:
    for codename in WORK_PERMS:
        remove_perm(f"projects.{codename}", member.user, project)


@transaction.atomic
def project_unassign(*, actor: Membership, assignment: Assignment) -> None:
    require(actor, C.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, assignment)
    project, member = assignment.project, assignment.membership
    _revoke(member, project)
    assignment.delete()
    record_activity(
        project=project,
        actor=actor.user,
        kind=Activity.Kind.ENGINEER_UNASSIGNED,
        old=member.user.display_name,
    )
    audit_record(
        verb=Verb.PROJECT_UNASSIGNED,
        actor=actor.user,
        agency=actor.agency,
        target=project,
        changes={"member": member.user.email},
    )


def assignments_revoke_for_member(*, membership: Membership) -> int:
    """When someone leaves the agency or stops being staff: drop every assignment and every
    per-engagement grant they hold there, so a later return starts with none."""
    grants = ProjectUserObjectPermission.objects.filter(
        user=membership.user, content_object__agency_id=membership.agency_id
    )
    removed = grants.count()
    grants.delete()
    Assignment.objects.for_agency(membership.agency).filter(membership=membership).delete()
    return removed
