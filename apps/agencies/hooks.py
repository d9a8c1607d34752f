"""Hooks the agencies services fire for the apps above them (see apps/core/hooks.py)."""

from __future__ import annotations

from apps.agencies.models import Membership
from apps.core.hooks import hook


@hook
def member_leaving(*, membership: Membership) -> None:
    """A member is being removed from the agency (or is leaving it), before anything is
    recorded or deleted. A receiver may refuse by raising ApplicationError: the removal's
    transaction then rolls back whole. Receivers: projects (drop their assignments and
    grants), bookings (refuse while they host upcoming consultations)."""


@hook
def member_became_client(*, membership: Membership) -> None:
    """A staff member's role is being changed to client contact, before the change is
    saved. Receivers: projects (a client contact works on nothing: drop their assignments
    and grants)."""
