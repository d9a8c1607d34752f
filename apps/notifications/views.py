"""The notification centre, email preferences and unsubscribe links, webhook endpoints and the
outbox page of agency admins."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, TemplateView

from apps.accounts.models import User
from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import C, role_can
from apps.core.access import get_for_agency_or_404
from apps.core.views_helpers import attempt, run_action, submit
from apps.notifications import endpoints, kinds, mail, selectors, services, webhooks
from apps.notifications.forms import EndpointEditForm, EndpointForm, preferences_form
from apps.notifications.models import Delivery, Notification, WebhookEndpoint

# --- The notification centre ---------------------------------------------------------------


class NotificationListView(AgencyViewMixin, TemplateView):
    """The member's notices in this agency, newest first; the bell links here."""

    required_capability = C.MANAGE_OWN_DATA
    template_name = "notifications/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unread_only = self.request.GET.get("show") == "unread"
        context["notifications"] = selectors.inbox(
            agency=self.agency, user=self.membership.user, unread_only=unread_only
        )
        context["unread_only"] = unread_only
        context["unread"] = selectors.unread_count(agency=self.agency, user=self.membership.user)
        return context


class NotificationBellView(AgencyViewMixin, View):
    """The bell with its unread count, fetched by htmx after each page and every minute."""

    required_capability = C.MANAGE_OWN_DATA

    def get(self, request, agency_slug):
        unread = selectors.unread_count(agency=self.agency, user=self.membership.user)
        return render(
            request, "notifications/partials/bell.html",
            {"current_agency": self.agency, "unread": unread, "count_known": True},
        )  # fmt: skip


class NotificationReadView(AgencyViewMixin, View):
    """POST: mark one notice read. htmx gets the row back (and the bell's new count)."""

    required_capability = C.MANAGE_OWN_DATA

    def post(self, request, agency_slug, notification_id):
        # Another member's notice answers like a missing one: 404.
        notice = get_for_agency_or_404(
            Notification.objects.filter(user=self.membership.user),
            agency=self.agency,
            pk=notification_id,
        )
        services.notification_mark_read(membership=self.membership, notification_id=notice.pk)
        if not request.htmx:
            return HttpResponseRedirect(reverse("notifications", args=[self.agency.slug]))
        notice.refresh_from_db()
        unread = selectors.unread_count(agency=self.agency, user=self.membership.user)
        return render(
            request, "notifications/partials/notice.html",
            {"notice": notice, "agency": self.agency, "unread": unread, "oob": True,
             "count_known": True},
        )  # fmt: skip


class NotificationReadAllView(AgencyViewMixin, View):
    required_capability = C.MANAGE_OWN_DATA

    def post(self, request, agency_slug):
        count = services.notification_mark_all_read(membership=self.membership)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
        return HttpResponseRedirect(reverse("notifications", args=[self.agency.slug]))


# --- Email preferences and unsubscribe -----------------------------------------------------


def _audience(user: User) -> str:
    """Staff if any of the person's roles uses the staff app (or they have none yet)."""
    roles = selectors.roles_of(user=user)
    return "staff" if not roles or any(role_can(r, C.USE_STAFF_APP) for r in roles) else "client"


class EmailPreferencesView(LoginRequiredMixin, FormView):
    """Each kind of email a person may switch off; security mail and what a booking needs
    are always sent."""

    template_name = "notifications/preferences.html"

    def _user(self) -> User:
        return cast(User, self.request.user)  # LoginRequiredMixin let only a person in

    def get_form(self, form_class=None):
        off = selectors.switched_off(user=self._user())
        data = self.request.POST if self.request.method == "POST" else None
        return preferences_form(audience=_audience(self._user()), data=data, initial_off=off)

    def form_valid(self, form):
        off = [key for key, on in form.cleaned_data.items() if not on]
        services.email_preferences_save(user=self._user(), switched_off=off)
        messages.success(self.request, "Email preferences saved.")
        return HttpResponseRedirect(reverse("notification_preferences"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["always_on"] = [kind for kind in kinds.every() if not kind.optional]
        return context


@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058: the mail client posts, with no cookie
class UnsubscribeView(View):
    """GET: a page with one button (a link scanner's GET must not unsubscribe anyone). POST:
    the one-click unsubscribe of RFC 8058 (`List-Unsubscribe=One-Click`), or that button."""

    def _read(self, token: str) -> dict[str, str]:
        try:
            return mail.read_unsubscribe_token(token)
        except signing.BadSignature:
            raise Http404("This unsubscribe link is not valid.") from None

    def _label(self, key: str) -> str:
        try:
            return kinds.get(key).label
        except kinds.Undeliverable:
            raise Http404("This unsubscribe link is not valid.") from None

    def get(self, request, token):
        data = self._read(token)
        return render(
            request, "notifications/unsubscribe.html",
            {"label": self._label(data["k"]), "token": token, "done": False},
        )  # fmt: skip

    def post(self, request, token):
        data = self._read(token)
        label = self._label(data["k"])
        done = services.unsubscribe(kind=data["k"], user_id=data["u"], subject_id=data["s"])
        if not done:
            raise Http404("This unsubscribe link is not valid.")
        return render(request, "notifications/unsubscribe.html", {"label": label, "done": True})


# --- Webhook endpoints ---------------------------------------------------------------------


def _endpoint(view, endpoint_id) -> WebhookEndpoint:
    return get_for_agency_or_404(WebhookEndpoint.objects.all(), agency=view.agency, pk=endpoint_id)


class WebhookListView(AgencyViewMixin, FormView):
    """The agency's endpoints and a form for a new one; its secret is shown once, here."""

    required_capability = C.MANAGE_AGENCY
    template_name = "notifications/webhooks.html"
    form_class = EndpointForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["endpoints"] = selectors.endpoints(agency=self.agency)
        context["events"] = webhooks.EVENTS
        return context

    def form_valid(self, form):
        created = attempt(
            form, lambda data: endpoints.endpoint_create(actor=self.membership, **data)
        )
        if created is None:
            return self.form_invalid(form)
        endpoint, secret = created
        return _show_secret(self, endpoint, secret, form=self.form_class())


def _show_secret(view, endpoint, secret, **context) -> HttpResponse:
    # Rendered, not redirected: the secret must never be stored, even in the session.
    data = view.get_context_data(**context)
    data.update(new_secret=secret, new_endpoint=endpoint)
    response = view.render_to_response(data)
    response["Cache-Control"] = "no-store"
    return response


class WebhookDetailView(AgencyViewMixin, FormView):
    """One endpoint: edit it, see its last deliveries, send one again, replace its secret."""

    required_capability = C.MANAGE_AGENCY
    template_name = "notifications/webhook_detail.html"
    form_class = EndpointEditForm

    def get_endpoint(self) -> WebhookEndpoint:
        if not hasattr(self, "_endpoint"):
            self._endpoint = _endpoint(self, self.kwargs["endpoint_id"])
        return self._endpoint

    def get_initial(self):
        endpoint = self.get_endpoint()
        return {
            "url": endpoint.url, "description": endpoint.description,
            "events": endpoint.events, "is_active": endpoint.is_active,
        }  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        endpoint = self.get_endpoint()
        context["endpoint"] = endpoint
        context["attempts"] = selectors.endpoint_attempts(agency=self.agency, endpoint=endpoint)
        return context

    def form_valid(self, form):
        endpoint = self.get_endpoint()
        if not submit(form, lambda data: endpoints.endpoint_update(
            actor=self.membership, endpoint=endpoint, **data
        )):  # fmt: skip
            return self.form_invalid(form)
        messages.success(self.request, "Endpoint saved.")
        return HttpResponseRedirect(reverse("webhook_detail", args=[self.agency.slug, endpoint.pk]))


class WebhookRotateView(AgencyViewMixin, View):
    """POST only: a new secret, shown once on the endpoint's page."""

    required_capability = C.MANAGE_AGENCY

    def post(self, request, agency_slug, endpoint_id):
        endpoint = _endpoint(self, endpoint_id)
        secret = endpoints.endpoint_rotate_secret(actor=self.membership, endpoint=endpoint)
        view = WebhookDetailView()
        view.setup(request, agency_slug=agency_slug, endpoint_id=endpoint_id)
        view.membership, view.agency = self.membership, self.agency
        return _show_secret(view, endpoint, secret)


class WebhookDeleteView(AgencyViewMixin, TemplateView):
    required_capability = C.MANAGE_AGENCY
    template_name = "notifications/webhook_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["endpoint"] = _endpoint(self, self.kwargs["endpoint_id"])
        return context

    def post(self, request, agency_slug, endpoint_id):
        endpoint = _endpoint(self, endpoint_id)
        run_action(
            request,
            lambda: endpoints.endpoint_delete(actor=self.membership, endpoint=endpoint),
            success=f"Endpoint {endpoint.url} deleted.",
        )
        return HttpResponseRedirect(reverse("webhook_list", args=[self.agency.slug]))


# --- The outbox, for agency admins ---------------------------------------------------------


class DeliveryListView(AgencyViewMixin, TemplateView):
    """What waits, what failed and what was given up, with "send again"."""

    required_capability = C.MANAGE_AGENCY
    template_name = "notifications/deliveries.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status") or ""
        if status not in Delivery.Status.values:
            status = ""
        context["status"] = status
        context["statuses"] = Delivery.Status.choices
        context["deliveries"] = selectors.deliveries(agency=self.agency, status=status or None)
        context["counts"] = selectors.delivery_counts(agency=self.agency)
        return context


class DeliveryRetryView(AgencyViewMixin, View):
    required_capability = C.MANAGE_AGENCY

    def post(self, request, agency_slug, delivery_id):
        delivery = get_for_agency_or_404(Delivery.objects.all(), agency=self.agency, pk=delivery_id)
        run_action(
            request,
            lambda: services.retry(agency=self.agency, delivery=delivery, actor=self.membership),
            success="Queued to be sent again.",
        )
        back = request.POST.get("next", "")
        if back.startswith(f"/{self.agency.slug}/"):
            return HttpResponseRedirect(back)
        return HttpResponseRedirect(reverse("deliveries", args=[self.agency.slug]))
