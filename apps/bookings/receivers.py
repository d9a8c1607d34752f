"""How bookings answer the hooks of the apps below (connected in BookingsConfig.ready())."""

from __future__ import annotations

from apps.agencies.models import Membership
from apps.bookings.selectors import upcoming_hosted_count
from apps.core.errors import ApplicationError


def refuse_removing_busy_host(*, membership: Membership) -> None:
    """agencies' member_leaving: a host with upcoming confirmed consultations stays until they
    are cancelled or moved, so nobody is left waiting for a meeting."""
    upcoming = upcoming_hosted_count(member=membership)
    if upcoming:
        raise ApplicationError(
            f"{membership.user.display_name} hosts {upcoming} upcoming consultation"
            f"{'s' if upcoming != 1 else ''}. Cancel or move them first, so nobody is left "
            "waiting for a meeting.",
            code="has_upcoming_bookings",
        )
