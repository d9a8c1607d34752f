"""Pages that read several apps: the staff dashboard, the client portal, My work, the
engagement page with its report and CSV, and the client page. They sit above the apps they
compose, so those apps never import one another's pages."""

from __future__ import annotations

import csv
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from apps.agencies import selectors as agency_selectors
from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.models import Membership
from apps.agencies.roles import Capability
from apps.bookings.selectors import booking_list
from apps.checklists import selectors as checklist_selectors
from apps.checklists import services as checklist_services
from apps.checklists.charts import readiness_chart, readiness_context
from apps.checklists.forms import CATEGORY_LABELS, ItemBulkForm, ItemFilterForm, SignOffForm
from apps.checklists.models import ItemStatus, ProjectItem
from apps.checklists.rows import prepare_rows
from apps.clients import selectors as client_selectors
from apps.clients import services as client_services
from apps.clients.access import get_client
from apps.clients.forms import ContactForm
from apps.core.views_helpers import call, form_errors_text, submit
from apps.projects import selectors as project_selectors
from apps.projects.access import get_project
from apps.projects.forms import AssignForm, EnvironmentForm, TierForm
from apps.projects.mixins import ProjectMixin
from apps.projects.permissions import can_scan
from apps.projects.profile import Stage
from apps.scans.models import Scan
from apps.scans.selectors import last_good_scan, latest_scan

DAYS_IN_A_WEEK = 7

C = Capability


def dashboard_context(member: Membership) -> dict[str, Any]:
    """What the agency dashboard shows a staff member: engagements, overdue items, the
    feed and the next consultations."""
    stages = project_selectors.stage_counts(member=member)
    return {
        "projects": project_selectors.project_list(member=member)[:12],
        "project_total": sum(stages.values()),
        "in_flight": stages.get(Stage.MIGRATION, 0) + stages.get(Stage.STAGING, 0),
        "overdue": checklist_selectors.overdue_items(member=member, limit=10),
        "recent_activity": project_selectors.recent_activity(member=member, limit=10),
        "upcoming_bookings": booking_list(member=member, when="upcoming", status="confirmed")[:5],
    }


class DashboardView(AgencyViewMixin, TemplateView):
    """Staff land here; client contacts have their own home, the portal."""

    template_name = "workspace/dashboard.html"

    def get(self, request, *args, **kwargs):
        if not self.membership.can(C.USE_STAFF_APP):
            return redirect("portal", agency_slug=self.agency.slug)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(dashboard_context(self.membership))
        context["member_total"] = sum(
            agency_selectors.membership_role_counts(agency=self.agency).values()
        )
        return context


class PortalView(AgencyViewMixin, TemplateView):
    """The client contact's home: their engagements, progress, and what comes next."""

    required_capability = C.VIEW_OWN_CLIENT_ENGAGEMENTS
    template_name = "workspace/portal.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        projects = list(project_selectors.project_list(member=self.membership))
        context["projects"] = projects
        context["next_items"] = checklist_selectors.next_items_for_client(
            member=self.membership, limit=8
        )
        to_sign = list(checklist_selectors.awaiting_sign_off(member=self.membership))
        context["to_sign"] = to_sign
        context["sign_groups"] = sign_off_groups(to_sign)
        context["stages"] = Stage.choices
        return context


def sign_off_groups(items: list[ProjectItem]) -> list[tuple[Any, list[tuple[str, list]]]]:
    """Items waiting for sign-off by engagement, then by category in the catalog's order."""
    order = {key: n for n, key in enumerate(CATEGORY_LABELS)}
    by_project: dict[Any, dict[str, list[ProjectItem]]] = {}
    projects = {}
    for item in sorted(items, key=lambda i: (i.project.name, order.get(i.category, 99), i.title)):
        projects[item.project_id] = item.project
        by_project.setdefault(item.project_id, {}).setdefault(item.category, []).append(item)
    return [
        (projects[pk], [(CATEGORY_LABELS.get(c, c.title()), found) for c, found in cats.items()])
        for pk, cats in by_project.items()
    ]


class PortalSignOffView(AgencyViewMixin, View):
    """Signing several finished items off in one pass: the portal's checked items, a page
    that says what is being signed, then one service call."""

    required_capability = C.VIEW_OWN_CLIENT_ENGAGEMENTS

    def post(self, request, agency_slug):
        form = SignOffForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing was signed off. " + form_errors_text(form))
            return redirect("portal", agency_slug=agency_slug)
        ids = form.cleaned_data["items"]
        if not form.cleaned_data["confirm"]:
            waiting = list(
                checklist_selectors.awaiting_sign_off(member=self.membership).filter(pk__in=ids)
            )
            if len(waiting) != len(ids):
                messages.error(
                    request,
                    "Nothing was signed off. Some of the selected items are no longer waiting "
                    "for your sign-off; the list below is up to date.",
                )
                return redirect("portal", agency_slug=agency_slug)
            return render(request, "workspace/portal_sign_off.html", {
                "agency": self.agency, "membership": self.membership,
                "groups": sign_off_groups(waiting), "count": len(waiting), "items": waiting,
            })  # fmt: skip
        outcome = call(
            lambda: checklist_services.items_sign_off(actor=self.membership, item_ids=ids),
            denial_in_place=True,
        )
        if outcome.value is None:
            messages.error(request, f"Nothing was signed off. {outcome.message}")
        else:
            messages.success(
                request, f"You signed off {outcome.value} item{pluralize(outcome.value)}."
            )
        return redirect("portal", agency_slug=agency_slug)


class MyWorkView(AgencyViewMixin, TemplateView):
    """An engineer's items across engagements, by due date."""

    required_capability = C.USE_STAFF_APP
    template_name = "workspace/my_work.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        include_done = self.request.GET.get("done") == "1"
        items = list(checklist_selectors.my_work(member=self.membership, include_done=include_done))
        buckets: OrderedDict[str, list[ProjectItem]] = OrderedDict(
            [("Overdue", []), ("Due this week", []), ("Later", []), ("No due date", [])]
        )
        for item in items:
            if item.due_date is None:
                buckets["No due date"].append(item)
            elif item.due_date < today:
                buckets["Overdue"].append(item)
            elif (item.due_date - today).days < DAYS_IN_A_WEEK:
                buckets["Due this week"].append(item)
            else:
                buckets["Later"].append(item)
        context["buckets"] = [(label, rows) for label, rows in buckets.items() if rows]
        context["item_total"] = len(items)
        context["include_done"] = include_done
        context["today"] = today
        context["status_choices"] = ItemStatus.choices
        return context


@dataclass
class ChecklistGroup:
    key: str
    label: str
    items: list[ProjectItem] = field(default_factory=list)
    count: int = 0
    done: int = 0
    overdue: int = 0
    gaps: int = 0  # items a repository scan found not met
    # Drawn closed, its rows fetched when opened (htmx) or by ?open=<key> without JavaScript.
    deferred: bool = False
    # A deferred group's "show" link without JavaScript: the page's query, this group opened.
    show_query: str = ""


# Rows drawn with the engagement page; the groups after them come closed and load when opened.
# Drawing all of a 400-item checklist took 270 ms and 770 KB (benchmarks/bench_pages.py),
# while a person works one category at a time.
ROW_BUDGET = 60


def defer_groups(groups: list[ChecklistGroup], *, open_keys: set[str]) -> list[str]:
    """Marks the groups past the page's row budget as deferred (never the first, never one
    asked for by name); returns the categories that are drawn."""
    drawn: list[str] = []
    rows = 0
    for group in groups:
        group.deferred = bool(drawn) and rows >= ROW_BUDGET and group.key not in open_keys
        if not group.deferred:
            drawn.append(group.key)
            rows += group.count
    return drawn


def checklist_groups(items, *, today) -> list[ChecklistGroup]:
    """The checklist by category, in the catalog's order, each with its rows and counts."""
    groups = group_counts(
        ((i.category, i.status, i.due_date, i.scan_gap) for i in items), today=today
    )
    by_key = {group.key: group for group in groups}
    for item in items:
        by_key[item.category].items.append(item)
    return groups


def group_counts(facts, *, today) -> list[ChecklistGroup]:
    """The checklist's groups with their counts from (category, status, due date, scan gap)
    alone, in the catalog's order: what the page needs of a group it does not draw."""
    groups = {key: ChecklistGroup(key, label) for key, label in CATEGORY_LABELS.items()}
    closed = (ItemStatus.DONE, ItemStatus.NOT_APPLICABLE)
    for category, status, due_date, scan_gap in facts:
        group = groups.setdefault(category, ChecklistGroup(category, category.title()))
        group.count += 1
        group.done += status in closed
        group.overdue += bool(due_date and due_date < today and status not in closed)
        group.gaps += bool(scan_gap)
    return [group for group in groups.values() if group.count]


class ProjectDetailView(ProjectMixin, TemplateView):
    """The engagement page: profile, tier, readiness and its history, the checklist grouped
    by category with filters and inline status changes, the team and the feed."""

    template_name = "workspace/project_detail.html"

    @cached_property
    def project(self):
        # The one page that shows the engagement's team and environments.
        return get_project(member=self.membership, project_id=self.kwargs["project_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = self.project
        filters, data, items = _filtered_items(self.request, self.membership, project)
        today = timezone.localdate()
        # Counts for every group from four columns; whole rows only for the groups drawn.
        groups = group_counts(
            items.values_list("category", "status", "due_date", "scan_gap"), today=today
        )
        open_keys = self.request.GET.getlist("open")
        drawn_keys = defer_groups(groups, open_keys=set(open_keys))
        drawn = list(items.filter(category__in=drawn_keys))
        by_key = {group.key: group for group in groups}
        for item in drawn:
            by_key[item.category].items.append(item)
        filter_query = _filter_query(filters, data)
        for group in groups:
            if group.deferred:
                group.show_query = urlencode(
                    [
                        *parse_qsl(filter_query),
                        *(("open", k) for k in open_keys),
                        ("open", group.key),
                    ]
                )
        context.update(readiness_context(project))
        context.update(prepare_rows(self.request, drawn))
        context.update(
            filter_form=filters,
            filtered=bool(data and any(data.values())),
            groups=groups,
            filter_query=filter_query,
            item_count=sum(group.count for group in groups),
            tier=project.tier_recommendation,
            chart=readiness_chart(
                checklist_selectors.readiness_history(project=project), today=timezone.localdate()
            ),
            activities=project_selectors.activity_list(project=project, limit=15),
            today=today,
            # The "Repository scan" card (scans/partials/project_card.html).
            latest_scan=(latest := latest_scan(project=project)),
            last_good_scan=last_good_scan(project=project)
            if latest is not None and latest.status != Scan.Status.SUCCEEDED
            else None,
            can_scan=can_scan(self.membership, project),
        )
        if context["can_work"]:
            context["bulk_form"] = ItemBulkForm(agency=self.agency)
        if context["can_manage"]:
            context["tier_form"] = TierForm(
                initial={"tier": project.tier_override, "reason": project.tier_override_reason}
            )
            context["assign_form"] = AssignForm(agency=self.agency)
            context["environment_form"] = EnvironmentForm()
        return context


def _filtered_items(request, member, project, *, category: str | None = None):
    """The checklist's filters from the query string (ignored when malformed, as links are
    hand-edited) and the items they select; `category` overrides the filters' own."""
    filters = ItemFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    items = checklist_selectors.item_list(
        project=project,
        category=category or data.get("category") or None,
        status=data.get("status") or None,
        severity=data.get("severity") or None,
        assignee=member if data.get("mine") else None,
        search=data.get("q") or None,
    )
    return filters, data, items


def _filter_query(filters: ItemFilterForm, data: dict) -> str:
    """The checklist's filters as a query string, for the links and requests of its groups."""
    return urlencode(
        {name: filters.data[name] for name, value in data.items() if value and name in filters.data}
    )


class ChecklistGroupView(ProjectMixin, TemplateView):
    """One category's rows of the checklist, with the page's filters: what a closed group
    loads when it is opened (htmx). Without htmx, the page with that group drawn."""

    template_name = "workspace/partials/checklist_table.html"

    def get(self, request, *args, **kwargs):
        if not request.htmx:
            url = reverse("project_detail", args=[self.agency.slug, self.project.pk])
            query = request.GET.copy()
            query.appendlist("open", kwargs["category"])
            return redirect(f"{url}?{query.urlencode()}#group-{kwargs['category']}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        category = self.kwargs["category"]
        _, data, found = _filtered_items(
            self.request, self.membership, self.project, category=category
        )
        # The page filtered to another category: this group has nothing to show.
        mismatch = data.get("category") and data["category"] != category
        items: list[ProjectItem] = [] if mismatch else list(found)
        today = timezone.localdate()
        groups = checklist_groups(items, today=today)
        context.update(prepare_rows(self.request, items))
        context.update(
            group=groups[0] if groups else ChecklistGroup(self.kwargs["category"], ""),
            today=today,
        )
        return context


class ProjectReportView(ProjectMixin, TemplateView):
    """A printable readiness report for the client."""

    template_name = "workspace/project_report.html"

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


def _csv_safe(value: object) -> str:
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
                    # Annotated by item_list; the model does not declare it.
                    item.evidence_count,  # type: ignore[attr-defined]
                    "yes" if item.verified_by_scan_at else "",
                    item.signed_off_at.isoformat() if item.signed_off_at else "",
                    item.completed_at.isoformat() if item.completed_at else "",
                )
            )
        return response


class ClientDetailView(AgencyViewMixin, TemplateView):
    """The client, its people and its engagements. Posting adds a contact."""

    required_capability = C.MANAGE_ENGAGEMENTS
    template_name = "workspace/client_detail.html"

    @cached_property
    def client(self):
        return get_client(agency=self.agency, client_id=self.kwargs["client_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        client = self.client
        context["client"] = client
        context["contacts"] = client_selectors.contact_list(client=client)
        context["projects"] = project_selectors.project_list(
            member=self.membership, client_id=client.pk
        )
        context.setdefault("contact_form", ContactForm())
        return context

    def post(self, request, agency_slug, client_id):
        client = self.client
        form = ContactForm(request.POST)
        if submit(form, lambda data: client_services.contact_create(
            actor=self.membership, client=client, **data
        )):  # fmt: skip
            messages.success(request, f"{form.cleaned_data['name']} added to {client.name}.")
            return redirect("client_detail", agency_slug=agency_slug, client_id=client.pk)
        return self.render_to_response(self.get_context_data(contact_form=form))
