"""Writes for engagements: create, change the profile, the tier, environments, archive, and
assign engineers (which grants or revokes their guardian permissions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Capability, Role, require
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.clients.models import Client
from apps.core.access import ensure_own, lock_own
from apps.core.unset import UNSET, Unset
from apps.notifications import endpoints
from apps.projects import limits
from apps.projects.activity import record_activity
from apps.projects.hooks import profile_changed
from apps.projects.models import (
    Activity,
    Assignment,
    Environment,
    Project,
    ProjectUserObjectPermission,
)
from apps.projects.permissions import WORK_PERMS
from apps.projects.profile import Framework, Platform, Stage, Tier

C = Capability
PROFILE_FIELDS = (
    "client", "name", "description", "source_platform", "repository_url", "stack",
    "users_at_launch", "users_in_a_year", "compliance", "stage", "target_launch",
)  # fmt: skip
# A change to any of these can change which checklist items apply.
CHECKLIST_FIELDS = {"source_platform", "users_at_launch", "users_in_a_year", "compliance"}
_CHOICES = {"stage": dict(Stage.choices), "source_platform": dict(Platform.choices)}


def _display(field: str, value: Any) -> str:
    if value is None or value in ("", []):
        return ""
    if field == "client":
        return str(value)
    if field in _CHOICES:
        return str(_CHOICES[field].get(value, value))
    if field == "compliance":
        return ", ".join(Framework(v).label for v in value)
    if field == "stack":
        return ", ".join(value)
    return str(value)[: limits.ACTIVITY_TEXT_MAX_LENGTH]


def _clean_compliance(compliance: list[str]) -> list[str]:
    unknown = set(compliance) - set(Framework.values)
    if unknown:
        raise ValidationError({"compliance": f"Unknown frameworks: {', '.join(sorted(unknown))}"})
    return sorted(set(compliance))


def _clean_stack(stack: list[str]) -> list[str]:
    return [s.strip()[: limits.STACK_ENTRY_MAX_LENGTH] for s in stack if s and s.strip()][
        : limits.STACK_MAX_ENTRIES
    ]


@transaction.atomic
def project_create(
    *,
    actor: Membership,
    client: Client,
    name: str,
    description: str = "",
    source_platform: str = Platform.OTHER,
    repository_url: str = "",
    stack: list[str] | None = None,
    users_at_launch: int | None = None,
    users_in_a_year: int | None = None,
    compliance: list[str] | None = None,
    stage: str = Stage.DISCOVERY,
    target_launch: date | None = None,
) -> Project:
    require(actor, C.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, client)
    project = Project(
        agency=actor.agency,
        client=client,
        name=name.strip(),
        description=description,
        source_platform=source_platform,
        repository_url=repository_url,
        stack=_clean_stack(stack or []),
        users_at_launch=users_at_launch,
        users_in_a_year=users_in_a_year,
        compliance=_clean_compliance(compliance or []),
        stage=stage,
        target_launch=target_launch,
    )
    project.full_clean()
    project.save()
    record_activity(project=project, actor=actor.user, kind=Activity.Kind.PROJECT_CREATED)
    audit_record(verb=Verb.PROJECT_CREATED, actor=actor.user, agency=actor.agency, target=project)
    profile_changed.fire(project=project, actor=actor)
    return project


@transaction.atomic
def project_update(
    *,
    actor: Membership,
    project: Project,
    client: Client | Unset = UNSET,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    source_platform: str | Unset = UNSET,
    repository_url: str | Unset = UNSET,
    stack: list[str] | Unset = UNSET,
    users_at_launch: int | Unset | None = UNSET,
    users_in_a_year: int | Unset | None = UNSET,
    compliance: list[str] | Unset = UNSET,
    stage: str | Unset = UNSET,
    target_launch: date | Unset | None = UNSET,
) -> Project:
    """Change the profile fields given (the others keep their value); each change goes to
    the feed, and one that can change which items apply re-syncs the checklist."""
    require(actor, C.MANAGE_ENGAGEMENTS)
    project = lock_own(Project.objects.select_related("client"), agency=actor.agency, pk=project.pk)
    requested: dict[str, Any] = {
        "client": client,
        "name": name,
        "description": description,
        "source_platform": source_platform,
        "repository_url": repository_url,
        "stack": _clean_stack(stack) if stack is not UNSET else UNSET,
        "users_at_launch": users_at_launch,
        "users_in_a_year": users_in_a_year,
        "compliance": _clean_compliance(compliance) if compliance is not UNSET else UNSET,
        "stage": stage,
        "target_launch": target_launch,
    }
    changed = []
    for field, value in requested.items():
        if value is UNSET:
            continue
        old = getattr(project, field)
        if old != value:
            changed.append((field, old, value))
            setattr(project, field, value)
    if not changed:
        return project
    project.full_clean()
    project.save()
    for field, old, new in changed:
        record_activity(
            project=project,
            actor=actor.user,
            kind=Activity.Kind.PROJECT_UPDATED,
            field=field,
            old=_display(field, old),
            new=_display(field, new),
        )
    if CHECKLIST_FIELDS & {field for field, _, _ in changed}:
        profile_changed.fire(project=project, actor=actor)
    for field, old, new in changed:
        if field == "stage":
            _status_changed(project, old=old, new=new)
    return project


def _status_changed(project: Project, *, old: str, new: str) -> None:
    """The `engagement.status_changed` webhook event (its stage, or archived/restored)."""
    endpoints.emit(
        agency=project.agency, event="engagement.status_changed", subject=project,
        data={"engagement": {"id": str(project.pk), "name": project.name,
                             "client": str(project.client_id), "stage": project.stage,
                             "archived": project.archived_at is not None},
              "old": old, "new": new},
    )  # fmt: skip


@transaction.atomic
def project_set_tier(*, actor: Membership, project: Project, tier: str, reason: str) -> Project:
    """Override the recommended tier (with a reason), or clear the override with tier=""."""
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
    profile_changed.fire(project=project, actor=actor)
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
    _status_changed(
        project, old="active" if archived else "archived", new="archived" if archived else "active"
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
    project = lock_own(Project.objects.all(), agency=actor.agency, pk=project.pk)
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
    _record_crew_change(actor=actor, project=project, member=member, assigned=True)
    return assignment


def _record_crew_change(
    *, actor: Membership, project: Project, member: Membership, assigned: bool
) -> None:
    """The engagement's feed and the audit log both say who joined or left its crew."""
    name = member.user.display_name
    record_activity(
        project=project,
        actor=actor.user,
        kind=Activity.Kind.ENGINEER_ASSIGNED if assigned else Activity.Kind.ENGINEER_UNASSIGNED,
        old="" if assigned else name,
        new=name if assigned else "",
    )
    audit_record(
        verb=Verb.PROJECT_ASSIGNED if assigned else Verb.PROJECT_UNASSIGNED,
        actor=actor.user,
        agency=actor.agency,
        target=project,
        changes={"member": member.user.email},
    )


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
    _record_crew_change(actor=actor, project=project, member=member, assigned=False)


def assignments_revoke_for_member(*, membership: Membership) -> None:
    """When someone leaves the agency or stops being staff: drop every assignment and every
    per-engagement grant they hold there, so a later return starts with none. The receiver
    of agencies' member_leaving and member_became_client hooks (ProjectsConfig.ready)."""
    grants = ProjectUserObjectPermission.objects.filter(
        user=membership.user, content_object__agency_id=membership.agency_id
    )
    grants.delete()
    Assignment.objects.for_agency(membership.agency).filter(membership=membership).delete()


# --- Privacy: erasure (called by apps.privacy) -----------------------------------------------


@transaction.atomic
def project_erase(*, actor: Membership, project: Project) -> None:
    """Erasing a client: the engagement and everything that hangs off it (environments,
    assignments and their grants, checklist items with evidence and comments, the feed,
    readiness history, scans and findings). Bookings that led to it stay, without it."""
    require(actor, C.MANAGE_ENGAGEMENTS)
    project = lock_own(Project.objects.all(), agency=actor.agency, pk=project.pk)
    project.delete()


def activity_rename_member(*, agency: Agency, old: str, new: str) -> int:
    """Account deletion: the feed quotes a member's name where they joined or left a crew
    or were given an item (`_record_crew_change`, the assignee of `item_update`); those
    quotes of `old` become `new`. Returns how many values changed."""
    if not old:
        return 0
    quoting = Activity.objects.for_agency(agency).filter(
        Q(kind__in=[Activity.Kind.ENGINEER_ASSIGNED, Activity.Kind.ENGINEER_UNASSIGNED])
        | Q(field="assignee")
    )
    return quoting.filter(old_value=old).update(old_value=new) + quoting.filter(
        new_value=old
    ).update(new_value=new)


def project_redact(*, projects: QuerySet[Project], texts: list[str]) -> int:
    """Account deletion: `booking_convert` copied the booker's notes and prototype link into
    the engagement's description; those passages are cut out. Returns how many changed."""
    changed = 0
    for project in projects.only("pk", "description"):
        description = project.description
        for text in (t for t in texts if t.strip()):
            description = description.replace(text, "")
        if description != project.description:
            Project.objects.filter(pk=project.pk).update(description=description.strip())
            changed += 1
    return changed
