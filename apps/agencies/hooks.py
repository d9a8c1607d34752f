"""Hooks the agencies services fire for the apps above them (see apps/core/hooks.py)."""

from __future__ import annotations

from apps.agencies.models import Invitation, Membership
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


@hook
def invitation_issued(*, invitation: Invitation, raw_token: str) -> None:
    """An invitation link was issued (a new invitation, or a resend that replaced the link),
    in the service's transaction. Receivers: notifications (the email carrying the link, the
    reminder to the invitee after three days and the notice to the inviter when it
    expires)."""
