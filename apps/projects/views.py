"""Engagement pages: the list, create and edit, the engagement page with its checklist, the
tier, environments, assignments, the printable report, CSV export, My work and the portal."""

from __future__ import annotations

import csv
from collections import OrderedDict

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.checklists import selectors as checklist_selectors
from apps.checklists.charts import readiness_chart
from apps.checklists.forms import CATEGORY_LABELS, ItemFilterForm
from apps.checklists.models import ItemStatus
from apps.checklists.selectors import project_readiness
from apps.core.views_helpers import attempt, flash_form_errors, submit
from apps.projects import selectors, services
from apps.projects.access import get_assignment, get_project, get_project_scope
from apps.projects.forms import (
    AssignForm,
    EnvironmentForm,
    ProjectFilterForm,
    ProjectForm,
    TierForm,
)
from apps.projects.permissions import can_scan, can_work_on, is_client_of
from apps.projects.profile import Stage
from apps.scans.selectors import latest_scan

C = Capability


class ProjectMixin(AgencyViewMixin):
    """Views of one engagement: `self.project` is fetched once, through the access helper,
    as the scope of what the page shows (its checklist, an item, the report)."""

    @cached_property
    def project(self):
        return get_project_scope(member=self.membership, project_id=self.kwargs["project_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["project"] = self.project
        context["can_manage"] = self.membership.can(C.MANAGE_ENGAGEMENTS)
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


def readiness_context(project) -> dict:
    """The engagement's readiness, and its categories in catalog order, each with its score
    and level, for bars and the report."""
    readiness = project_readiness(project=project)
    categories = [
        {"key": key, "label": label, "score": readiness.categories[key]}
        for key, label in CATEGORY_LABELS.items()
        if key in readiness.categories
    ]
    return {"readiness": readiness, "categories": categories}


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


class ProjectDetailView(ProjectMixin, TemplateView):
    """The engagement page: profile, tier, readiness and its history, the checklist grouped
    by category with filters and inline status changes, the team and the feed."""

    template_name = "projects/project_detail.html"

    @cached_property
    def project(self):
        # The one page that shows the engagement's team and environments.
        return get_project(member=self.membership, project_id=self.kwargs["project_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.project
        filters = ItemFilterForm(self.request.GET or None)
        data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
        items = checklist_selectors.item_list(
            project=project,
            category=data.get("category") or None,
            status=data.get("status") or None,
            severity=data.get("severity") or None,
            assignee=self.membership if data.get("mine") else None,
        )
        groups: OrderedDict[str, list] = OrderedDict((k, []) for k in CATEGORY_LABELS)
        for item in items:
            groups.setdefault(item.category, []).append(item)
        context.update(readiness_context(project))
        context.update(
            filter_form=filters,
            filtered=bool(data and any(data.values())),
            groups=[(k, CATEGORY_LABELS.get(k, k.title()), v) for k, v in groups.items() if v],
            item_count=len(items),
            status_choices=ItemStatus.choices,
            tier=project.tier_recommendation,
            chart=readiness_chart(
                checklist_selectors.readiness_history(project=project), today=timezone.localdate()
            ),
            activities=selectors.activity_list(project=project, limit=15),
            today=timezone.localdate(),
            # The "Repository scan" card (scans/partials/project_card.html).
            latest_scan=latest_scan(project=project),
            can_scan=can_scan(self.membership, project),
        )
        if context["can_manage"]:
            context["tier_form"] = TierForm(
                initial={"tier": project.tier_override, "reason": project.tier_override_reason}
            )
            context["assign_form"] = AssignForm(agency=self.agency)
            context["environment_form"] = EnvironmentForm()
        return context


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
        services.project_unassign(actor=self.membership, assignment=assignment)
        messages.success(
            request,
            f"{assignment.membership.user.display_name} no longer works on {self.project.name}.",
        )
        return self.back("team")


class ProjectArchiveView(ProjectMixin, TemplateView):
    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "projects/project_archive.html"

    def post(self, request, agency_slug, project_id):
        archive = not self.project.archived_at
        services.project_archive(actor=self.membership, project=self.project, archived=archive)
        messages.success(request, f"{self.project.name} {'archived' if archive else 'restored'}.")
        return self.back()


class ProjectReportView(ProjectMixin, TemplateView):
    """A printable readiness report for the client."""

    template_name = "projects/project_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = list(checklist_selectors.item_list(project=self.project))
        context.update(readiness_context(self.project))
        context["open_items"] = sorted(
            (i for i in items if i.status in (ItemStatus.TODO, ItemStatus.IN_PROGRESS)),
            key=lambda i: (checklist_selectors.SEVERITY_ORDER[i.severity], i.category, i.key),
        )
        context["done_count"] = sum(1 for i in items if i.status == ItemStatus.DONE)
        context["signed_off"] = [i for i in items if i.signed_off_at]
        context["not_applicable"] = [i for i in items if i.status == ItemStatus.NOT_APPLICABLE]
        context["generated_at"] = timezone.now()
        context["tier"] = self.project.tier_recommendation
        return context


def _csv_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; neutralise them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class ProjectExportView(ProjectMixin, View):
    def get(self, request, agency_slug, project_id):
        project = self.project
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"{self.agency.slug}-{project.pk}-checklist.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "key", "category", "title", "severity", "level", "status",
                "not_applicable_reason", "assignee", "due_date", "evidence",
                "verified_by_scan", "signed_off_at", "completed_at",
            ]
        )  # fmt: skip
        for item in checklist_selectors.item_list(project=project):
            writer.writerow(
                _csv_safe(v)
                for v in (
                    item.key,
                    item.category,
                    item.title,
                    item.severity,
                    item.level,
                    item.get_status_display(),
                    item.not_applicable_reason,
                    item.assignee.user.display_name if item.assignee else "",
                    item.due_date.isoformat() if item.due_date else "",
                    item.evidence_count,
                    "yes" if item.verified_by_scan_at else "",
                    item.signed_off_at.isoformat() if item.signed_off_at else "",
                    item.completed_at.isoformat() if item.completed_at else "",
                )
            )
        return response


class MyWorkView(AgencyViewMixin, TemplateView):
    """An engineer's items across engagements, by due date."""

    required_capability = C.USE_STAFF_APP
    template_name = "projects/my_work.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        include_done = self.request.GET.get("done") == "1"
        items = list(checklist_selectors.my_work(member=self.membership, include_done=include_done))
        buckets = OrderedDict(
            [("Overdue", []), ("Due this week", []), ("Later", []), ("No due date", [])]
        )
        for item in items:
            if item.due_date is None:
                buckets["No due date"].append(item)
            elif item.due_date < today:
                buckets["Overdue"].append(item)
            elif (item.due_date - today).days < 7:
                buckets["Due this week"].append(item)
            else:
                buckets["Later"].append(item)
        context["buckets"] = [(label, rows) for label, rows in buckets.items() if rows]
        context["item_total"] = len(items)
        context["include_done"] = include_done
        context["today"] = today
        context["status_choices"] = ItemStatus.choices
        return context


class PortalView(AgencyViewMixin, TemplateView):
    """The client contact's home: their engagements, progress, and what comes next."""

    required_capability = C.VIEW_OWN_CLIENT_ENGAGEMENTS
    template_name = "projects/portal.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        projects = list(selectors.project_list(member=self.membership))
        context["projects"] = projects
        context["next_items"] = checklist_selectors.next_items_for_client(
            member=self.membership, limit=8
        )
        context["to_sign"] = checklist_selectors.awaiting_sign_off(member=self.membership)
        context["stages"] = Stage.choices
        return context


def dashboard_context(member) -> dict:
    """What the agency dashboard shows a staff member (see agencies.views.DashboardView)."""
    from apps.bookings.selectors import booking_list

    stages = selectors.stage_counts(member=member)
    return {
        "projects": selectors.project_list(member=member)[:12],
        "project_total": sum(stages.values()),
        "in_flight": stages.get(Stage.MIGRATION, 0) + stages.get(Stage.STAGING, 0),
        "overdue": checklist_selectors.overdue_items(member=member, limit=10),
        "recent_activity": selectors.recent_activity(member=member, limit=10),
        "upcoming_bookings": booking_list(member=member, when="upcoming", status="confirmed")[:5],
    }
