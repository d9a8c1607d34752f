"""Hooks the projects services fire for the apps above them (see apps/core/hooks.py)."""

from __future__ import annotations

from apps.agencies.models import Membership
from apps.core.hooks import hook
from apps.projects.models import Project


@hook
def profile_changed(*, project: Project, actor: Membership) -> None:
    """An engagement was created, or a change to its profile or tier may change which
    checklist items apply. Fired inside the write's transaction, after the engagement is
    saved. Receivers: checklists (re-sync the checklist)."""
