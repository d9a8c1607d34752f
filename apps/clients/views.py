"""Client pages for agency admins: list, create, edit or archive, and contacts (the client's
own page, which lists its engagements, is in apps.workspace)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.clients import selectors, services
from apps.clients.access import get_client, get_contact
from apps.clients.forms import ClientFilterForm, ClientForm
from apps.core.views_helpers import attempt, run_action, submit

C = Capability


class ClientListView(AgencyViewMixin, TemplateView):
    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "clients/client_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ClientFilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        context["filter_form"] = form
        context["clients"] = selectors.client_list(
            agency=self.agency, search=data.get("q") or None, status=data.get("status") or None
        )
        return context


class ClientCreateView(AgencyViewMixin, FormView):
    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "clients/client_form.html"
    form_class = ClientForm

    def form_valid(self, form):
        client = attempt(form, lambda data: services.client_create(actor=self.membership, **data))
        if client is None:
            return self.form_invalid(form)
        messages.success(self.request, f"{client.name} added. Add its people next.")
        return redirect("client_detail", agency_slug=self.agency.slug, client_id=client.pk)


class ClientEditView(AgencyViewMixin, FormView):
    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "clients/client_form.html"
    form_class = ClientForm

    @cached_property
    def client(self):
        return get_client(agency=self.agency, client_id=self.kwargs["client_id"])

    def get_initial(self):
        return {f: getattr(self.client, f) for f in services.CLIENT_FIELDS}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "client": self.client}

    def form_valid(self, form):
        if not submit(
            form,
            lambda data: services.client_update(actor=self.membership, client=self.client, **data),
        ):
            return self.form_invalid(form)
        messages.success(self.request, f"{self.client.name} saved.")
        return redirect("client_detail", agency_slug=self.agency.slug, client_id=self.client.pk)


class ContactInviteView(AgencyViewMixin, View):
    """Invite a contact to the client portal; the link emails them, accepting links them."""

    required_capability = C.MANAGE_ENGAGEMENTS

    def post(self, request, agency_slug, client_id, contact_id):
        client = get_client(agency=self.agency, client_id=client_id)
        contact = get_contact(client=client, contact_id=contact_id)
        # Every refusal, one of rights included, is a message on the client's page.
        run_action(
            request,
            lambda: services.contact_invite(actor=self.membership, contact=contact),
            success=f"Portal invitation sent to {contact.email}.",
            denial_in_place=True,
        )
        return redirect("client_detail", agency_slug=agency_slug, client_id=client.pk)


class ContactDeleteView(AgencyViewMixin, TemplateView):
    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "clients/contact_delete.html"

    def _contact(self):
        client = get_client(agency=self.agency, client_id=self.kwargs["client_id"])
        return get_contact(client=client, contact_id=self.kwargs["contact_id"])

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "contact": self._contact()}

    def post(self, request, agency_slug, client_id, contact_id):
        contact = self._contact()
        run_action(
            request,
            lambda: services.contact_delete(actor=self.membership, contact=contact),
            success=f"{contact.name} removed from the client's contacts.",
        )
        return redirect(reverse("client_detail", args=[agency_slug, client_id]))
