"""HTML views for agencies: the front door, onboarding, invitations, members, tokens, settings
and the audit log."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.accounts.requests import SignedInRequest
from apps.agencies import mfa_policy, selectors, services
from apps.agencies.access import get_api_token, get_invitation, get_membership
from apps.agencies.audit_forms import AuditFilterForm
from apps.agencies.forms import (
    AgencyBrandForm,
    AgencyCreateForm,
    AgencyMfaPolicyForm,
    AgencySettingsForm,
    ApiTokenForm,
    InvitationForm,
    MemberRoleForm,
)
from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.models import Invitation
from apps.agencies.roles import Capability, Role
from apps.audit.selectors import audit_event_list
from apps.core.pagination import keyset_page
from apps.core.tenancy import activate_agency
from apps.core.views_helpers import Outcome, attempt, call, run_action, submit

C = Capability


def home(request):
    """The front page: the product for visitors, the way in for people who are signed in."""
    if not request.user.is_authenticated:
        return render(request, "agencies/landing.html")
    memberships = list(selectors.memberships_for_user(user=request.user))
    if not memberships:
        return redirect("onboarding")
    # Signing in lands here: an agency that requires two-factor authentication asks first.
    requiring = mfa_policy.agency_requiring_enrolment(user=request.user, memberships=memberships)
    if requiring is not None:
        return mfa_policy.enrolment_redirect(request, requiring)
    if len(memberships) == 1:
        return redirect("dashboard", agency_slug=memberships[0].agency.slug)
    return render(request, "agencies/choose_agency.html", {"memberships": memberships})


class OnboardingView(LoginRequiredMixin, FormView):
    """Create your agency; invitations waiting for this person are offered first."""

    template_name = "agencies/onboarding.html"
    form_class = AgencyCreateForm
    request: SignedInRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitations"] = selectors.pending_invitations_for_user(user=self.request.user)
        context["memberships"] = selectors.memberships_for_user(user=self.request.user)
        return context

    def form_valid(self, form):
        agency = attempt(form, lambda data: services.agency_create(user=self.request.user, **data))
        if agency is None:
            return self.form_invalid(form)
        messages.success(self.request, f"{agency.name} is ready. Invite your team next.")
        return redirect("dashboard", agency_slug=agency.slug)


class InvitationAcceptView(View):
    """The emailed link. Anyone may look; accepting needs the invited address, signed in."""

    template_name = "agencies/invitation_accept.html"

    def get(self, request, token: str):
        found = call(lambda: services.invitation_for_token(raw_token=token))
        if found.value is None:
            return _invitation_error(request, found)
        activate_agency(found.value.agency)
        return render(request, self.template_name, {"invitation": found.value})

    def post(self, request, token: str):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        found = call(lambda: services.invitation_for_token(raw_token=token))
        invitation = found.value
        if invitation is None:
            return _invitation_error(request, found)
        activate_agency(invitation.agency)
        # The page says why in place, a wrong account (403) included.
        joined = call(
            lambda: services.invitation_accept(user=request.user, invitation=invitation),
            denial_in_place=True,
        )
        membership = joined.value
        if isinstance(joined.error, services.InvitationInvalidError):
            return _invitation_error(request, joined)
        if membership is None:
            return render(
                request,
                self.template_name,
                {"invitation": invitation, "error": joined.message},
                status=joined.status,
            )
        messages.success(request, f"Welcome to {membership.agency.name}.")
        return redirect("dashboard", agency_slug=membership.agency.slug)


class InvitationJoinView(LoginRequiredMixin, View):
    """Accept an invitation addressed to one of the user's verified emails, from onboarding."""

    def post(self, request, invitation_id):
        invitation = (
            selectors.pending_invitations_for_user(user=request.user)
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            raise Http404
        activate_agency(invitation.agency)
        joined = call(
            lambda: services.invitation_accept(user=request.user, invitation=invitation),
            denial_in_place=True,
        )
        membership = joined.value
        if membership is None:
            messages.error(request, joined.message)
            return redirect("onboarding")
        messages.success(request, f"Welcome to {membership.agency.name}.")
        return redirect("dashboard", agency_slug=membership.agency.slug)


def _invitation_error(request, refused: Outcome):
    return render(
        request,
        "agencies/invitation_invalid.html",
        {"message": refused.message},
        status=refused.status,
    )


def _settings_initial(agency) -> dict:
    return {"name": agency.name, "time_zone": agency.time_zone}


class _SettingsPage(AgencyViewMixin, FormView):
    """The settings page holds two forms, each posting to its own view; the view whose form
    was refused shows the page again, the other form as saved."""

    required_capability = C.MANAGE_AGENCY
    template_name = "agencies/settings_general.html"
    form_context_name: str  # which of the page's two forms is this view's own

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context[self.form_context_name] = context["form"]
        context.setdefault(
            "settings_form", AgencySettingsForm(initial=_settings_initial(self.agency))
        )
        context.setdefault(
            "mfa_form", AgencyMfaPolicyForm(initial={"require_mfa": self.agency.require_mfa})
        )
        brand = selectors.agency_brand(agency=self.agency)
        context.setdefault(
            "brand_form",
            AgencyBrandForm(initial={"accent_color": brand.accent_color if brand else ""}),
        )
        context["brand"] = brand
        context["enrolment"] = mfa_policy.enrolment_counts(agency=self.agency)
        return context


class AgencySettingsView(_SettingsPage):
    form_class = AgencySettingsForm
    form_context_name = "settings_form"

    def get_initial(self):
        return _settings_initial(self.agency)

    def form_valid(self, form):
        if not submit(
            form,
            lambda data: services.agency_update(actor=self.membership, agency=self.agency, **data),
        ):
            return self.form_invalid(form)
        messages.success(self.request, "Agency settings saved.")
        return redirect("agency_settings", agency_slug=self.agency.slug)


class AgencyBrandView(_SettingsPage):
    """The booking pages' logo and accent colour; the form lives on the settings page."""

    form_class = AgencyBrandForm
    form_context_name = "brand_form"

    def get(self, request, *args, **kwargs):
        return redirect("agency_settings", agency_slug=self.agency.slug)

    def form_valid(self, form):
        upload = form.cleaned_data.get("logo")
        if not submit(
            form,
            lambda data: services.agency_brand_update(
                actor=self.membership, agency=self.agency,
                accent_color=data.get("accent_color", ""),
                logo=upload.read() if upload else None,
                remove_logo=data.get("remove_logo", False),
            ),
        ):  # fmt: skip
            return self.form_invalid(form)
        messages.success(self.request, "Booking page look saved.")
        return redirect("agency_settings", agency_slug=self.agency.slug)


class AgencyMfaPolicyView(_SettingsPage):
    """Turns the two-factor requirement on or off; the form lives on the settings page."""

    form_class = AgencyMfaPolicyForm
    form_context_name = "mfa_form"

    def get(self, request, *args, **kwargs):
        # The form is on the settings page; a reload of this address lands there.
        return redirect("agency_settings", agency_slug=self.agency.slug)

    def form_valid(self, form):
        if not submit(
            form,
            lambda data: services.agency_set_mfa_policy(
                actor=self.membership, agency=self.agency, **data
            ),
        ):
            return self.form_invalid(form)
        required = form.cleaned_data["require_mfa"]
        messages.success(
            self.request,
            "Two-factor authentication is now required of every member."
            if required
            else "Two-factor authentication is no longer required.",
        )
        return redirect("agency_settings", agency_slug=self.agency.slug)


class MemberListView(AgencyViewMixin, TemplateView):
    """Everyone on the staff side can see the team; admins can change and remove people."""

    required_capability = C.USE_STAFF_APP
    template_name = "agencies/members.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        role = self.request.GET.get("role") or None
        if role not in Role.values:
            role = None
        search = (self.request.GET.get("q") or "").strip()[:100]
        context["members"] = selectors.membership_list(
            agency=self.agency, role=role, search=search or None
        )
        context["role_filter"] = role
        context["search"] = search
        context["roles"] = Role.choices
        context["can_manage"] = self.membership.can(C.MANAGE_AGENCY)
        context["can_manage_owners"] = self.membership.can(C.MANAGE_OWNERS)
        context["role_choices"] = _role_choices(MemberRoleForm(actor=self.membership))
        return context


def _role_choices(form: MemberRoleForm):
    # The roles this actor may hand out (MemberRoleForm narrows them to the actor's).
    return cast(forms.ChoiceField, form.fields["role"]).choices


class MemberRoleView(AgencyViewMixin, View):
    required_capability = C.MANAGE_AGENCY

    def post(self, request, agency_slug, member_id):
        member = get_membership(agency=self.agency, membership_id=member_id)
        form = MemberRoleForm(request.POST, actor=self.membership)
        # The row shows every refusal in place, a refusal of rights included (htmx swaps the
        # row; a 403 page there would replace it).
        changed = attempt(
            form,
            lambda data: services.membership_change_role(
                actor=self.membership, membership=member, role=data["role"]
            ),
            denial_in_place=True,
        )
        member = changed or member
        if request.htmx:
            return render(
                request,
                "agencies/partials/member_row.html",
                {
                    "m": member,
                    "agency": self.agency,
                    "membership": self.membership,
                    "can_manage": True,
                    "role_choices": _role_choices(form),
                    "row_errors": form.errors.get("role") or form.non_field_errors(),
                    "row_saved": not form.errors,
                },
                status=200 if not form.errors else 422,
            )
        if form.errors:
            for error in [*form.non_field_errors(), *form.errors.get("role", [])]:
                messages.error(request, error)
        else:
            messages.success(
                request, f"{member.user.display_name} is now {member.get_role_display()}."
            )
        return redirect("members", agency_slug=self.agency.slug)


class MemberRemoveView(AgencyViewMixin, TemplateView):
    """Asks once, saying what will be lost, then removes. Members may also leave."""

    template_name = "agencies/member_remove.html"

    def _member(self):
        member = get_membership(agency=self.agency, membership_id=self.kwargs["member_id"])
        if member.pk != self.membership.pk and not self.membership.can(C.MANAGE_AGENCY):
            raise PermissionDenied
        return member

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = self._member()
        context["member"] = member
        context["leaving"] = member.pk == self.membership.pk
        context["token_count"] = selectors.api_token_list(
            agency=self.agency, membership=member
        ).count()
        return context

    def post(self, request, agency_slug, member_id):
        member = self._member()
        leaving = member.pk == self.membership.pk
        # A refusal (an admin removing an owner, the last owner leaving) is a message on
        # the team page, like the row's.
        removed = run_action(
            request,
            lambda: services.membership_remove(actor=self.membership, membership=member),
            success=f"You left {self.agency.name}."
            if leaving
            else f"{member.user.display_name} was removed from the agency.",
            denial_in_place=True,
        )
        if removed and leaving:
            return redirect("home")
        return redirect("members", agency_slug=self.agency.slug)


class InvitationListView(AgencyViewMixin, FormView):
    required_capability = C.MANAGE_AGENCY
    template_name = "agencies/invitations.html"
    form_class = InvitationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.membership}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status") or Invitation.Status.PENDING
        if status not in Invitation.Status.values and status != "all":
            status = Invitation.Status.PENDING
        context["status_filter"] = status
        context["statuses"] = [*Invitation.Status.choices, ("all", "All")]
        context["invitations"] = selectors.invitation_list(
            agency=self.agency, status=None if status == "all" else status
        )
        return context

    def form_valid(self, form):
        created = attempt(
            form, lambda data: services.invitation_create(actor=self.membership, **data)
        )
        if created is None:
            return self.form_invalid(form)
        invitation, _raw = created
        messages.success(self.request, f"Invitation sent to {invitation.email}.")
        return redirect("invitations", agency_slug=self.agency.slug)


class InvitationResendView(AgencyViewMixin, View):
    required_capability = C.MANAGE_AGENCY

    def post(self, request, agency_slug, invitation_id):
        invitation = get_invitation(agency=self.agency, invitation_id=invitation_id)
        run_action(
            request,
            lambda: services.invitation_resend(actor=self.membership, invitation=invitation),
            success=f"A new link was sent to {invitation.email}.",
        )
        return redirect("invitations", agency_slug=self.agency.slug)


class InvitationRevokeView(AgencyViewMixin, TemplateView):
    required_capability = C.MANAGE_AGENCY
    template_name = "agencies/invitation_revoke.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitation"] = get_invitation(
            agency=self.agency, invitation_id=self.kwargs["invitation_id"]
        )
        return context

    def post(self, request, agency_slug, invitation_id):
        invitation = get_invitation(agency=self.agency, invitation_id=invitation_id)
        run_action(
            request,
            lambda: services.invitation_revoke(actor=self.membership, invitation=invitation),
            success=f"The invitation to {invitation.email} was withdrawn.",
        )
        return redirect("invitations", agency_slug=self.agency.slug)


class ApiTokenListView(AgencyViewMixin, FormView):
    """Your tokens (and, for admins, everyone's); a new token is shown once, right here."""

    required_capability = C.MANAGE_OWN_DATA
    template_name = "agencies/tokens.html"
    form_class = ApiTokenForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sees_all = self.membership.can(C.MANAGE_AGENCY)
        context["tokens"] = selectors.api_token_list(
            agency=self.agency, membership=None if sees_all else self.membership
        )
        context["sees_all"] = sees_all
        return context

    def form_valid(self, form):
        created = attempt(
            form, lambda data: services.api_token_create(actor=self.membership, **data)
        )
        if created is None:
            return self.form_invalid(form)
        token, raw = created
        # Rendered, not redirected: the raw value must never be stored, even in the session.
        context = self.get_context_data(form=self.form_class())
        context.update(new_token=token, new_token_value=raw)
        response = self.render_to_response(context)
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenRevokeView(AgencyViewMixin, TemplateView):
    required_capability = C.MANAGE_OWN_DATA
    template_name = "agencies/token_revoke.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["token"] = get_api_token(member=self.membership, token_id=self.kwargs["token_id"])
        return context

    def post(self, request, agency_slug, token_id):
        token = get_api_token(member=self.membership, token_id=token_id)
        run_action(
            request,
            lambda: services.api_token_revoke(actor=self.membership, token=token),
            success=f"Token “{token.name}” was revoked.",
        )
        return HttpResponseRedirect(reverse("api_tokens", args=[self.agency.slug]))


class AuditLogView(AgencyViewMixin, TemplateView):
    """The audit log for agency admins: filtered, newest first, keyset-paginated."""

    required_capability = C.VIEW_AUDIT_LOG
    template_name = "agencies/audit_log.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET or None, agency=self.agency)
        filters = {}
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            member = data.get("member")
            filters = {
                "verb": data.get("verb") or None,
                "actor": member.user if member else None,
                "since": data.get("since"),
                "until": data.get("until"),
            }
        events = audit_event_list(agency=self.agency, **filters)
        context["form"] = form
        context["page"] = keyset_page(
            events,
            cursor=self.request.GET.get("cursor"),
            size=self.page_size,
            query=self.request.GET,
        )
        return context
