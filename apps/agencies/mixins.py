"""Entering an agency: how every agency-scoped page and endpoint resolves its tenant.

The agency comes from the URL slug and the user's membership (or, for the API, the token's
membership); anyone else gets 404. Then the role is checked against `roles.CAPABILITIES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.template.response import SimpleTemplateResponse
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from apps.agencies.access import membership_for_slug
from apps.agencies.mfa_policy import enrolment_redirect, must_enrol, refuse_unless_enrolled
from apps.agencies.models import ApiToken, Membership
from apps.agencies.roles import Capability
from apps.core.tenancy import activate_agency

SAFE_METHODS = ("GET", "HEAD")
CapabilityRule = Capability | Mapping[str, Capability | None] | None

if TYPE_CHECKING:
    # What the mixins are mixed into, so that their super() calls type-check.
    from django.views.generic.base import ContextMixin, View
    from rest_framework.views import APIView

    class _PageBase(ContextMixin, View): ...

    _APIBase = APIView
else:
    _PageBase = _APIBase = object


def capability_for(
    rule: CapabilityRule, method: str, view: object = None
) -> Capability | Literal[False] | None:
    """The capability a request needs. A mapping is per HTTP method (HEAD counts as GET).
    A method the mapping does not name is refused (False) when the view handles it, so a
    handler added without a rule fails closed; otherwise the view answers 405 as usual."""
    if rule is None or isinstance(rule, Capability):
        return rule
    method = "GET" if method in ("HEAD", "OPTIONS") else method
    if method in rule:
        return rule[method]
    handles = view is None or hasattr(view, method.lower())
    return False if handles else None


def allowed(membership: Membership, rule: CapabilityRule, method: str, view=None) -> bool:
    needed = capability_for(rule, method, view)
    if needed is False:
        return False
    return needed is None or membership.can(needed)


def _enter(request, membership: Membership) -> Membership:
    activate_agency(membership.agency)
    request.agency = membership.agency
    request.membership = membership
    return membership


class AgencyViewMixin(_PageBase):
    """For HTML views under /<agency_slug>/: login, membership (404), capability (403)."""

    required_capability: CapabilityRule = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.membership = _enter(
            request, membership_for_slug(user=request.user, agency_slug=kwargs["agency_slug"])
        )
        self.agency = self.membership.agency
        # After the membership (a non-member still gets 404), before anything else.
        if must_enrol(self.membership):
            return enrolment_redirect(request, self.agency)
        if not allowed(self.membership, self.required_capability, request.method, self):
            raise PermissionDenied
        if request.method in SAFE_METHODS and not transaction.get_connection().in_atomic_block:
            return self._read(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def _read(self, request, *args, **kwargs):
        """A page is read in one transaction, drawn inside it: on PostgreSQL each statement
        outside a transaction is wrapped in one of its own to carry the tenant scope (four
        round trips instead of one), and a page reads a dozen or more, some of them while its
        template is drawn (a TemplateResponse draws after the view returns)."""
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agency"] = self.agency
        context["membership"] = self.membership
        return context


class HasRequiredCapability(BasePermission):
    message = "Your role in this agency does not allow this."

    def has_permission(self, request, view) -> bool:
        return allowed(view.membership, view.required_capability, request.method, view)


class AgencyAPIMixin(_APIBase):
    """For API views under /api/v1/agencies/<agency_slug>/.

    A token works only for its own agency: any other slug is 404, like a non-member's.
    """

    required_capability: CapabilityRule = None

    def get_permissions(self):
        return [*super().get_permissions(), HasRequiredCapability()]

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated
        slug = kwargs["agency_slug"]
        if isinstance(request.auth, ApiToken):
            membership = request.auth.membership
            if membership.agency.slug != slug:
                raise Http404
        else:
            membership = membership_for_slug(user=request.user, agency_slug=slug)
            # A token's member was checked when it authenticated (agencies.authentication).
            refuse_unless_enrolled(membership)
        self.membership = _enter(request, membership)
        self.agency = membership.agency
        super().initial(request, *args, **kwargs)

    def get_serializer_context(self):
        parent = getattr(super(), "get_serializer_context", None)
        context = parent() if parent else {"request": self.request, "view": self}
        context["agency"] = self.agency
        context["membership"] = self.membership
        return context
