"""What a member may do on one engagement: the role table, then the per-engagement grant."""

from __future__ import annotations

from guardian.core import ObjectPermissionChecker

from apps.agencies.models import Membership
from apps.agencies.roles import Capability
from apps.projects.models import Project

C = Capability
WORK_PERMS = ("view_project", "work_on_project")


def _granted(member: Membership, project: Project, codename: str) -> bool:
    checker = getattr(member, "_perm_checker", None)
    if checker is None:
        checker = member._perm_checker = ObjectPermissionChecker(member.user)
    return checker.has_perm(codename, project)


def prefetch_grants(member: Membership, projects) -> None:
    """One query for the member's grants on many engagements, before a loop that checks."""
    checker = ObjectPermissionChecker(member.user)
    projects = list(projects)
    if projects:
        checker.prefetch_perms(projects)
    member._perm_checker = checker


def _on_all_or_assigned(
    member: Membership, project: Project, on_all: Capability, on_assigned: Capability
) -> bool:
    """The role allows it on every engagement, or on the ones the member is assigned to
    (their guardian grant on this one)."""
    if project.agency_id != member.agency_id:
        return False
    if member.can(on_all):
        return True
    return member.can(on_assigned) and _granted(member, project, "work_on_project")


def can_work_on(member: Membership, project: Project) -> bool:
    """Change checklist items and add evidence."""
    return _on_all_or_assigned(member, project, C.EDIT_ALL_CHECKLISTS, C.EDIT_ASSIGNED_CHECKLISTS)


def is_client_of(member: Membership, project: Project) -> bool:
    return (
        member.can(C.VIEW_OWN_CLIENT_ENGAGEMENTS)
        and member.client_id is not None
        and member.client_id == project.client_id
    )


def can_comment_on(member: Membership, project: Project) -> bool:
    return member.can(C.COMMENT_ON_CHECKLISTS) and (
        can_work_on(member, project) or is_client_of(member, project)
    )


def can_scan(member: Membership, project: Project) -> bool:
    """Start scans and read full findings (file paths and lines)."""
    return _on_all_or_assigned(member, project, C.RUN_ALL_SCANS, C.RUN_ASSIGNED_SCANS)
