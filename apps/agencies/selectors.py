"""Reads for agencies: memberships, invitations and tokens, always for one agency."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Count, Q, QuerySet, Subquery
from django.db.models.functions import Lower

from apps.accounts.models import User
from apps.agencies.models import Agency, AgencyBrand, ApiToken, Invitation, Membership
from apps.agencies.roles import Role


def membership_list(
    *, agency: Agency, role: str | None = None, search: str | None = None
) -> QuerySet[Membership]:
    qs = Membership.objects.for_agency(agency).select_related("user")
    if role:
        qs = qs.filter(role=role)
    if search:
        qs = qs.filter(Q(user__email__icontains=search) | Q(user__name__icontains=search))
    return qs.order_by("created_at", "id")


def membership_role_counts(*, agency: Agency) -> dict[str, int]:
    rows = Membership.objects.for_agency(agency).values("role").annotate(n=Count("id")).order_by()
    counts = {role.value: 0 for role in Role}
    counts.update({row["role"]: row["n"] for row in rows})
    return counts


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """The agencies a person belongs to (for the switcher and /api/v1/me): user-scoped."""
    return Membership.objects.filter(user=user).select_related("agency").order_by("agency__name")


def invitation_list(*, agency: Agency, status: str | None = None) -> QuerySet[Invitation]:
    qs = Invitation.objects.for_agency(agency).select_related("invited_by", "accepted_by")
    if status == Invitation.Status.PENDING:
        qs = qs.pending()
    elif status == Invitation.Status.ACCEPTED:
        qs = qs.filter(accepted_at__isnull=False)
    elif status == Invitation.Status.REVOKED:
        qs = qs.filter(revoked_at__isnull=False)
    return qs.order_by("-created_at", "-id")


def pending_invitations_for_user(*, user: User) -> QuerySet[Invitation]:
    """Open invitations to any of a person's verified addresses, in agencies they have not
    joined yet, across agencies: offered to them at onboarding."""
    verified = (
        EmailAddress.objects.filter(user=user, verified=True)
        .annotate(address=Lower("email"))
        .values("address")
    )
    return (
        Invitation.objects.pending()
        .filter(email__in=Subquery(verified))
        .exclude(agency__in=Subquery(Membership.objects.filter(user=user).values("agency")))
        .select_related("agency", "invited_by")
        .order_by("-created_at")
    )


def api_token_list(*, agency: Agency, membership: Membership | None = None) -> QuerySet[ApiToken]:
    """An agency's tokens, or one member's; the owner's user is loaded for display."""
    qs = ApiToken.objects.for_agency(agency).select_related("membership__user")
    if membership is not None:
        qs = qs.filter(membership=membership)
    return qs.order_by("-created_at", "-id")


def agency_brand(*, agency: Agency) -> AgencyBrand | None:
    """The agency's booking-page look, without the logo's bytes."""
    return AgencyBrand.objects.for_agency(agency).defer("logo").first()


def agency_logo(*, agency: Agency, version: str) -> bytes | None:
    """The logo's PNG, if `version` is the current one (an old address is not served, so a
    year-long cache never shows a replaced logo)."""
    logo = (
        AgencyBrand.objects.for_agency(agency)
        .filter(version=version, logo_width__gt=0)
        .values_list("logo", flat=True)
        .first()
    )
    return bytes(logo) if logo is not None else None
