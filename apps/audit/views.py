"""The audit log page for agency admins: filtered, newest first, keyset-paginated."""

from __future__ import annotations

from django.views.generic import TemplateView

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.audit.forms import AuditFilterForm
from apps.audit.selectors import audit_event_list
from apps.core.pagination import keyset_page


class AuditLogView(AgencyViewMixin, TemplateView):
    required_capability = Capability.VIEW_AUDIT_LOG
    template_name = "audit/audit_log.html"
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
