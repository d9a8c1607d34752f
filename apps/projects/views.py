"""Engagement pages: the list, create and edit, the tier, environments, assignments and
archiving. The engagement page, its report and CSV, My work and the portal read checklists,
scans and bookings too, so they live in apps.workspace."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.core.views_helpers import attempt, flash_form_errors, run_action, submit
from apps.projects import selectors, services
from apps.projects.access import get_assignment
from apps.projects.forms import (
    AssignForm,
    EnvironmentForm,
    ProjectFilterForm,
    ProjectForm,
    TierForm,
)
from apps.projects.mixins import ProjectMixin

C = Capability


class ProjectListView(AgencyViewMixin, TemplateView):
    template_name = "projects/project_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ProjectFilterForm(self.request.GET or None, agency=self.agency)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        context["filter_form"] = form
        context["projects"] = selectors.project_list(
            member=self.membership,
            stage=data.get("stage") or None,
            client_id=data["client"].pk if data.get("client") else None,
            search=data.get("q") or None,
            archived=bool(data.get("archived")),
        )
        context["can_manage"] = self.membership.can(C.MANAGE_ENGAGEMENTS)
        return context


class ProjectCreateView(AgencyViewMixin, FormView):
    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "projects/project_form.html"
    form_class = ProjectForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "agency": self.agency}

    def get_initial(self):
        initial = super().get_initial()
        if client_id := self.request.GET.get("client"):
            initial["client"] = client_id
        return initial

    def form_valid(self, form):
        project = attempt(form, lambda data: services.project_create(actor=self.membership, **data))
        if project is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{project.name} created with {project.checklist_items.count()} checklist items.",
        )
        return redirect("project_detail", agency_slug=self.agency.slug, project_id=project.pk)


class ProjectEditView(ProjectMixin, FormView):
    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "projects/project_form.html"
    form_class = ProjectForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "agency": self.agency}

    def get_initial(self):
        return {f: getattr(self.project, f) for f in services.PROFILE_FIELDS}

    def form_valid(self, form):
        if not submit(
            form,
            lambda data: services.project_update(
                actor=self.membership, project=self.project, **data
            ),
        ):
            return self.form_invalid(form)
        messages.success(self.request, "Engagement saved; its checklist follows the new profile.")
        return self.back()


class ProjectTierView(ProjectMixin, View):
    required_capability = C.MANAGE_ENGAGEMENTS

    def post(self, request, agency_slug, project_id):
        form = TierForm(request.POST)
        if submit(form, lambda data: services.project_set_tier(
            actor=self.membership, project=self.project, **data
        )):  # fmt: skip
            messages.success(request, f"Architecture tier: {self.project.get_tier_display()}.")
        else:
            flash_form_errors(request, form)
        return self.back("tier")


class EnvironmentView(ProjectMixin, View):
    required_capability = C.MANAGE_ENGAGEMENTS

    def post(self, request, agency_slug, project_id):
        form = EnvironmentForm(request.POST)
        if submit(form, lambda data: services.environment_set(
            actor=self.membership, project=self.project, **data
        )):  # fmt: skip
            messages.success(request, "Environment saved.")
        else:
            flash_form_errors(request, form)
        return self.back("environments")


class AssignView(ProjectMixin, View):
    required_capability = C.MANAGE_ENGAGEMENTS

    def post(self, request, agency_slug, project_id):
        form = AssignForm(request.POST, agency=self.agency)
        if submit(form, lambda data: services.project_assign(
            actor=self.membership, project=self.project, **data
        )):  # fmt: skip
            messages.success(request, f"{form.cleaned_data['member'].user.display_name} assigned.")
        else:
            flash_form_errors(request, form)
        return self.back("team")


class UnassignView(ProjectMixin, View):
    required_capability = C.MANAGE_ENGAGEMENTS

    def post(self, request, agency_slug, project_id, assignment_id):
        assignment = get_assignment(project=self.project, assignment_id=assignment_id)
        run_action(
            request,
            lambda: services.project_unassign(actor=self.membership, assignment=assignment),
            success=f"{assignment.membership.user.display_name} no longer works on "
            f"{self.project.name}.",
        )
        return self.back("team")


class ProjectArchiveView(ProjectMixin, TemplateView):
    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "projects/project_archive.html"

    def post(self, request, agency_slug, project_id):
        archive = not self.project.archived_at
        run_action(
            request,
            lambda: services.project_archive(
                actor=self.membership, project=self.project, archived=archive
            ),
            success=f"{self.project.name} {'archived' if archive else 'restored'}.",
        )
        return self.back()
