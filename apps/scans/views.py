"""Scan pages: an engagement's scans (start one, set the rescan schedule) and one scan, whose
progress panel polls itself with htmx until the results replace it.

Staff who can scan the engagement see findings with file, line and redacted snippet; client
contacts see the summary only (counts, checklist verdicts, platform and stack): for them the
views load no finding rows at all, only their category and severity."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.checklists import selectors as checklist_selectors
from apps.core.pagination import keyset_page
from apps.core.views_helpers import submit
from apps.projects.mixins import ProjectMixin
from apps.projects.permissions import can_scan, is_client_of
from apps.scans import selectors, services
from apps.scans.access import get_scan
from apps.scans.forms import SCHEDULE_CHOICES, ScanRequestForm, ScanScheduleForm
from apps.scans.models import Scan
from apps.scans.report import (
    checklist_verdicts,
    finding_counts,
    finding_total,
    report_files_scanned,
    report_platform,
    report_rule_errors,
    report_rule_titles,
    report_rules,
    report_skipped,
    report_stack,
    severity_counts,
)

C = Capability
PAGE_SIZE = 25


def severity_phrase(counts: dict[str, int]) -> str:
    """{"critical": 1, "high": 2, ...} -> "1 critical, 2 high"; "" when all are 0."""
    return ", ".join(f"{n} {severity}" for severity, n in counts.items() if n)


class ProjectScansView(ProjectMixin, TemplateView):
    """The engagement's scans, newest first; staff who can scan it start one here and set
    the rescan schedule."""

    # Reading follows the engagement's visibility (get_project: 404); writing needs the role
    # (403 at once) and then the assignment (can_scan: 403).
    required_capability = {"GET": None, "POST": C.RUN_ASSIGNED_SCANS}
    template_name = "scans/project_scans.html"

    @cached_property
    def can_scan(self) -> bool:
        return can_scan(self.membership, self.project)

    @cached_property
    def token_hint(self) -> str:
        return selectors.repository_token_hint(project=self.project)

    def get_context_data(self, scan_form=None, schedule_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        page = keyset_page(
            selectors.scan_list(project=self.project),
            cursor=self.request.GET.get("cursor"),
            size=PAGE_SIZE,
            query=self.request.GET,
        )
        for scan in page.items:
            scan.finding_total = (
                finding_total(scan) if scan.status == Scan.Status.SUCCEEDED else None
            )
        # At most one scan is active, and it is the newest: on the first page if anywhere.
        context.update(
            page=page,
            active_scan=next((s for s in page.items if s.is_active), None),
            can_scan=self.can_scan,
            schedule_label=dict(SCHEDULE_CHOICES).get(self.project.scan_schedule, "Off"),
        )
        if self.can_scan:
            context["scan_form"] = scan_form or ScanRequestForm(
                initial={"repository_url": self.project.repository_url},
                token_hint=self.token_hint,
            )
            context["schedule_form"] = schedule_form or ScanScheduleForm(
                initial={"scan_schedule": self.project.scan_schedule}
            )
        return context

    def post(self, request, agency_slug, project_id):
        if not self.can_scan:
            raise PermissionDenied
        if request.POST.get("action") == "schedule":
            return self.set_schedule()
        form = ScanRequestForm(request.POST, token_hint=self.token_hint)
        asked_at = timezone.now()
        if not submit(form, self.request_scan):
            return self.render_to_response(self.get_context_data(scan_form=form))
        scan = self.requested_scan
        if scan.created_at < asked_at:
            messages.info(request, "A scan of this engagement is already under way.")
        else:
            messages.success(request, "Scan started.")
        return redirect("scan_detail", agency_slug=self.agency.slug, scan_id=scan.pk)

    def request_scan(self, data: dict) -> None:
        # The new scan, or the one already under way (which the service returns instead).
        self.requested_scan = services.scan_request(
            project=self.project,
            actor=self.membership,
            repository_url=data["repository_url"],
            token=data["token"] or None,
        )

    def set_schedule(self):
        form = ScanScheduleForm(self.request.POST)
        if not submit(
            form,
            lambda data: services.scan_schedule_set(
                actor=self.membership, project=self.project, schedule=data["scan_schedule"]
            ),
        ):
            return self.render_to_response(self.get_context_data(schedule_form=form))
        label = dict(SCHEDULE_CHOICES)[self.project.scan_schedule]
        messages.success(
            self.request,
            "Automatic rescans are off."
            if not self.project.scan_schedule
            else f"The repository will be rescanned {label.lower()}.",
        )
        return redirect("project_scans", agency_slug=self.agency.slug, project_id=self.project.pk)


class ScanDetailView(AgencyViewMixin, TemplateView):
    """One scan: its progress while queued or running, the reason when it failed, and what
    it found when it succeeded, compared with the previous scan."""

    required_capability = C.VIEW_SCAN_SUMMARY
    template_name = "scans/scan_detail.html"

    @cached_property
    def scan(self) -> Scan:
        return get_scan(member=self.membership, scan_id=self.kwargs["scan_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scan = self.scan
        project = scan.project
        full = can_scan(self.membership, project)
        slug = self.agency.slug
        context.update(
            scan=scan,
            project=project,
            can_scan=full,
            is_client=is_client_of(self.membership, project),
            detail_url=reverse("scan_detail", args=[slug, scan.pk]),
            progress_url=reverse("scan_progress", args=[slug, scan.pk]),
            scans_url=reverse("project_scans", args=[slug, project.pk]),
            items_url=reverse("project_detail", args=[slug, project.pk]) + "items/",
        )
        if scan.status == Scan.Status.SUCCEEDED:
            context.update(self.results(scan, project, full=full))
        return context

    def results(self, scan: Scan, project, *, full: bool) -> dict:
        if full:
            # Read once: for the groups, the counts and the comparison.
            findings = list(selectors.finding_list(scan=scan))
            counts = finding_counts((f.category, f.severity) for f in findings)
            grouped = selectors.findings_grouped(findings)
            # The counts' categories are in the engine's order, with their labels and totals.
            groups = [
                {**row, "severities": list(grouped[row["category"]].items())}
                for row in counts["by_category"]
            ]
        else:
            # Client contacts: counts only, so only the two columns counted are read.
            findings, groups = None, []
            counts = finding_counts(
                selectors.finding_list(scan=scan).values_list("category", "severity")
            )
        verdicts = checklist_verdicts(scan)
        decided = [v for v in verdicts if v["status"] in ("verified", "gap")]
        items = {
            item.key: item
            for item in checklist_selectors.item_list(project=project).filter(
                key__in=[v["key"] for v in decided]
            )
        }
        titles = report_rule_titles(scan)
        for verdict in decided:
            verdict["item"] = items.get(verdict["key"])
            verdict["failed_titles"] = [titles.get(r, r) for r in verdict["failed_rules"]]
        diff = selectors.scan_diff(scan=scan, current=findings) if scan.previous_id else None
        compared: dict[str, Any] = {}
        if diff is not None:
            compared = {
                "previous": diff.previous,
                "new_count": len(diff.new),
                "fixed_count": len(diff.fixed),
                "unchanged_count": diff.unchanged,
                "new_text": severity_phrase(severity_counts(f.severity for f in diff.new)),
                "fixed_text": severity_phrase(severity_counts(f.severity for f in diff.fixed)),
            }
            if full:
                compared.update(new=diff.new, fixed=diff.fixed)
        return {
            "counts": counts,
            "rules": report_rules(scan),
            "platform": report_platform(scan),
            "stack": report_stack(scan),
            "files_scanned": report_files_scanned(scan),
            "skipped": report_skipped(scan, full=full),
            "rule_errors": report_rule_errors(scan),
            "verified": [v for v in decided if v["status"] == "verified"],
            "gaps": [v for v in decided if v["status"] == "gap"],
            "groups": groups,
            "compared": compared,
        }


class ScanProgressView(ScanDetailView):
    """The htmx partial of the scan page: the progress panel (which keeps polling) while the
    scan is queued or running, then the results (which do not)."""

    template_name = "scans/partials/scan_body.html"
