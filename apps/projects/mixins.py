"""The base of every page about one engagement (its checklist items, scans, report): the
engagement fetched once through the access door, and what the page may do with it."""

from __future__ import annotations

from typing import Any

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.projects.access import get_project_scope
from apps.projects.permissions import can_work_on, is_client_of


class ProjectMixin(AgencyViewMixin):
    """Views of one engagement: `self.project` is fetched once, through the access helper,
    as the scope of what the page shows (its checklist, an item, the report)."""

    kwargs: dict[str, Any]  # the URL's, set by View.setup()

    @cached_property
    def project(self):
        return get_project_scope(member=self.membership, project_id=self.kwargs["project_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["project"] = self.project
        context["can_manage"] = self.membership.can(Capability.MANAGE_ENGAGEMENTS)
        context["can_work"] = can_work_on(self.membership, self.project)
        context["is_client"] = is_client_of(self.membership, self.project)
        context["items_url"] = self.items_url
        return context

    @property
    def items_url(self) -> str:
        """The checklist items' base address: a row links to items/<id>/ and posts its
        status to items/<id>/status/ without a URL lookup per row."""
        return reverse("project_detail", args=[self.agency.slug, self.project.pk]) + "items/"

    def back(self, anchor: str = ""):
        response = redirect(
            "project_detail", agency_slug=self.agency.slug, project_id=self.project.pk
        )
        if anchor:
            response["Location"] += f"#{anchor}"
        return response
