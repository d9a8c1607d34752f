"""An agency's two-factor requirement: who must enrol before working in it, what they are told,
and where they are sent. The door (`mixins`, the home page, the bearer-token check) asks here.

Enrolling is allauth's: its TOTP activation page, which also makes the recovery codes.
"""

from __future__ import annotations

from collections.abc import Iterable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from rest_framework import exceptions

from apps.agencies.models import Agency, Membership

# What counts as enrolled: an authenticator one signs in with. Recovery codes only stand in
# for one (allauth deletes them with the last authenticator).
SIGN_IN_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def has_authenticator(user) -> bool:
    return is_mfa_enabled(user, types=SIGN_IN_FACTORS)


def must_enrol(membership: Membership) -> bool:
    """The member's agency requires two-factor authentication and they have not set it up.
    The agency comes with the membership, so this costs a query only where it is required."""
    return membership.agency.require_mfa and not has_authenticator(membership.user)


def agency_requiring_enrolment(*, user, memberships: Iterable[Membership]) -> Agency | None:
    """At sign-in: the first of the person's agencies that would send them to enrol, if any."""
    requiring = [m.agency for m in memberships if m.agency.require_mfa]
    if requiring and not has_authenticator(user):
        return requiring[0]
    return None


def enrolment_redirect(request: HttpRequest, agency: Agency) -> HttpResponse:
    """Send the person to set up an authenticator app, saying why; a whole-page redirect for
    htmx, which would otherwise swap the enrolment page into a fragment."""
    messages.warning(
        request,
        f"{agency.name} requires two-factor authentication. Set up an authenticator app to "
        "continue; your account pages and sign-out stay available meanwhile.",
    )
    url = reverse("mfa_activate_totp")
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def refuse_unless_enrolled(membership: Membership) -> None:
    """For the API (a token or a session): 403 with what to do, before anything is read."""
    if must_enrol(membership):
        raise exceptions.PermissionDenied(
            detail=(
                f"{membership.agency.name} requires two-factor authentication, which you have "
                f"not set up: sign in to Launchpad, set up an authenticator app at "
                f"{reverse('mfa_index')}, then try again (tokens keep working)."
            ),
            code="mfa_required",
        )


def enrolment_counts(*, agency: Agency) -> dict[str, int]:
    """For the settings page: how many members there are, and how many have not enrolled."""
    enrolled = Exists(
        Authenticator.objects.filter(user_id=OuterRef("user_id"), type__in=SIGN_IN_FACTORS)
    )
    return Membership.objects.for_agency(agency).aggregate(
        members=Count("pk"), unenrolled=Count("pk", filter=~enrolled)
    )
