"""Fetch one engagement for a member: 404 when it is missing, foreign, or not theirs to see."""

from __future__ import annotations

from apps.agencies.models import Membership
from apps.core.access import get_for_agency_or_404
from apps.projects.models import Project
from apps.projects.selectors import project_detail_queryset


def get_project(*, member: Membership, project_id) -> Project:
    return get_for_agency_or_404(
        project_detail_queryset(member=member), agency=member.agency, pk=project_id
    )
