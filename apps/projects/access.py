"""Fetch one engagement for a member: 404 when it is missing, foreign, or not theirs to see."""

from __future__ import annotations

from apps.agencies.models import Membership
from apps.core.access import get_for_agency_or_404
from apps.projects.models import Assignment, Project
from apps.projects.selectors import assignment_list, project_detail_queryset, visible_projects


def get_project(*, member: Membership, project_id) -> Project:
    return get_for_agency_or_404(
        project_detail_queryset(member=member), agency=member.agency, pk=project_id
    )


def get_project_scope(*, member: Membership, project_id) -> Project:
    """The engagement as the scope of what hangs off it (its checklist, readiness, scans):
    the same door and the same 404 as get_project, without the environments and assignments
    that only the engagement's own page and API answer show. On the checklist list endpoint
    those two prefetches were a third of the request's time."""
    return get_for_agency_or_404(
        visible_projects(member=member).select_related("agency", "client"),
        agency=member.agency,
        pk=project_id,
    )


def get_assignment(*, project: Project, assignment_id) -> Assignment:
    """One assignment of an engagement that came through get_project or get_project_scope;
    another engagement's assignment answers 404 like a missing one."""
    return get_for_agency_or_404(
        assignment_list(project=project).select_related("project"),
        agency=project.agency,
        pk=assignment_id,
    )
