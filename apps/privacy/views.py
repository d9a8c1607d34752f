"""Privacy pages: a person's own data (download it, delete the account), an agency's client
export and erasure, its privacy notice on the settings, and the public notice."""

from __future__ import annotations

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.base import ContextMixin, TemplateResponseMixin

from apps.accounts.requests import SignedInRequest
from apps.agencies.access import agency_for_public_slug
from apps.agencies.mixins import AgencyViewMixin, CapabilityRule
from apps.agencies.roles import Capability
from apps.clients.access import get_client
from apps.core.tenancy import activate_agency
from apps.core.views_helpers import call, submit
from apps.privacy import selectors, services
from apps.privacy.forms import AccountDeleteForm, ClientEraseForm, PrivacyNoticeForm

C = Capability


def _zip(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- A person's own data -----------------------------------------------------------------------


def _deletion_context(request: SignedInRequest) -> dict[str, object]:
    """Pages about one's account say up front which agencies stop its deletion."""
    return {"blockers": services.deletion_blockers(user=request.user)}


class AccountPrivacyView(LoginRequiredMixin, TemplateView):
    """Download one's data; the way to deletion."""

    template_name = "privacy/account.html"
    request: SignedInRequest

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_deletion_context(self.request)}


class AccountExportView(LoginRequiredMixin, View):
    request: SignedInRequest

    def post(self, request, *args, **kwargs):
        outcome = call(lambda: services.personal_data_export(user=request.user))
        if outcome.value is None:
            messages.error(request, outcome.message)
            return redirect("privacy_account")
        return _zip(outcome.value, f"launchpad-my-data-{timezone.now():%Y-%m-%d}.zip")


class AccountDeleteView(LoginRequiredMixin, FormView):
    """Asks once, with the password, and says what goes and what the agencies keep."""

    template_name = "privacy/account_delete.html"
    form_class = AccountDeleteForm
    request: SignedInRequest

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_deletion_context(self.request)}

    def form_valid(self, form):
        user = self.request.user
        # The password is asked again here, so this form must not become a way around the
        # sign-in's limit on guesses: allauth's limit for re-entering it counts these too.
        if not ratelimit.consume(self.request, action="reauthenticate", user=user):
            form.add_error("password", "Too many attempts. Wait a minute, then try again.")
            return self.form_invalid(form)
        deleted = submit(
            form, lambda data: services.account_delete(user=user, password=data["password"])
        )
        if not deleted:
            return self.form_invalid(form)
        logout(self.request)
        # Signed out now: a page of its own, as there is no account page to go back to.
        return render(self.request, "privacy/account_deleted.html")


# --- An agency's client ------------------------------------------------------------------------


class ClientPrivacyMixin(AgencyViewMixin):
    """Pages about one client's data; what erasing would take away is always shown."""

    required_capability: CapabilityRule = C.MANAGE_AGENCY
    template_name: str | None = "privacy/client.html"

    @cached_property
    def client(self):
        return get_client(agency=self.agency, client_id=self.kwargs["client_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["client"] = self.client
        scope = selectors.client_scope(agency=self.agency, client=self.client)
        context["counts"] = selectors.client_counts(scope)
        context.setdefault("erase_form", ClientEraseForm())
        return context


class ClientPrivacyView(ClientPrivacyMixin, TemplateView):
    """Export the client's data, or erase it."""


class ClientExportView(ClientPrivacyMixin, View):
    required_capability = {"POST": C.MANAGE_AGENCY}

    def post(self, request, agency_slug, client_id):
        client = self.client
        outcome = call(lambda: services.client_export(actor=self.membership, client=client))
        if outcome.value is None:
            messages.error(request, outcome.message)
            return redirect("client_privacy", agency_slug=agency_slug, client_id=client.pk)
        return _zip(outcome.value, f"{self.agency.slug}-client-{client.pk}.zip")


class ClientEraseView(ClientPrivacyMixin, TemplateResponseMixin, ContextMixin, View):
    required_capability = {"POST": C.MANAGE_AGENCY}

    def post(self, request, agency_slug, client_id):
        client = self.client
        name = client.name
        form = ClientEraseForm(request.POST)
        if submit(form, lambda data: services.client_erase(
            actor=self.membership, client=client, confirm_name=data["confirm_name"]
        )):  # fmt: skip
            messages.success(request, f"{name} and everything of theirs is erased.")
            return redirect("clients", agency_slug=agency_slug)
        return self.render_to_response(self.get_context_data(erase_form=form))


# --- The agency's privacy notice ---------------------------------------------------------------


class PrivacySettingsView(AgencyViewMixin, FormView):
    required_capability = C.MANAGE_AGENCY
    template_name = "privacy/settings.html"
    form_class = PrivacyNoticeForm

    def get_initial(self):
        return PrivacyNoticeForm.initial_from(selectors.privacy_notice_for(agency=self.agency))

    def form_valid(self, form):
        if not submit(form, lambda data: services.privacy_notice_save(
            actor=self.membership,
            contact_email=data["contact_email"],
            contact_details=data["contact_details"],
            data_kept=data["data_kept"],
            retention=data["retention"],
        )):  # fmt: skip
            return self.form_invalid(form)
        messages.success(self.request, "Privacy notice saved. It is shown on your booking pages.")
        return redirect("privacy_settings", agency_slug=self.agency.slug)


class PublicPrivacyNoticeView(View):
    """The agency's notice, public: the booking form links here."""

    def get(self, request, agency):
        agency = agency_for_public_slug(agency)
        activate_agency(agency)
        return render(
            request,
            "privacy/public_notice.html",
            {
                "agency": agency,
                "notice": selectors.privacy_notice_for(agency=agency),
                "retention": {
                    "audit_events": settings.AUDIT_RETENTION_DAYS,
                    "scans": settings.SCAN_RETENTION_DAYS,
                    "sent_mail": settings.SENT_MAIL_RETENTION_DAYS,
                },
            },
        )
