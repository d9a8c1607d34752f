"""Fetch-by-id for members: the tenant door. Missing, foreign and forbidden all look alike."""

from __future__ import annotations

from django.http import Http404

from apps.agencies.models import Agency, ApiToken, Invitation, Membership
from apps.agencies.roles import Capability
from apps.core.access import get_for_agency_or_404


def membership_for_slug(*, user, agency_slug: str) -> Membership:
    """The user's membership in the agency at `agency_slug`; 404 when there is none.

    A non-member cannot tell an agency that exists from one that does not.
    """
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("agency", "user").get(
            user=user, agency__slug=agency_slug
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def get_membership(*, agency: Agency, membership_id) -> Membership:
    return get_for_agency_or_404(
        Membership.objects.select_related("user"), agency=agency, pk=membership_id
    )


def get_invitation(*, agency: Agency, invitation_id) -> Invitation:
    return get_for_agency_or_404(
        Invitation.objects.select_related("invited_by"), agency=agency, pk=invitation_id
    )


def get_api_token(*, member: Membership, token_id) -> ApiToken:
    """A token the member may manage: their own, or any in the agency for admins."""
    qs = ApiToken.objects.select_related("membership__user")
    if not member.can(Capability.MANAGE_AGENCY):
        qs = qs.filter(membership=member)
    return get_for_agency_or_404(qs, agency=member.agency, pk=token_id)


def agency_for_public_slug(slug: str) -> Agency:
    """An agency's public pages (booking): anyone may look, so the slug alone decides, and an
    unknown slug is a plain 404. The caller activates the tenant scope."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise Http404
    return agency
