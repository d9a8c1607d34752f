"""Scan pages: an engagement's scans (start one, set the rescan schedule) and one scan, whose
progress panel polls itself with htmx until the results replace it.

Staff who can scan the engagement see findings with file, line and redacted snippet; client
contacts see the summary only (counts, checklist verdicts, platform and stack): for them the
views load no finding rows at all, only their category and severity."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.checklists import selectors as checklist_selectors
from apps.core.middleware import client_ip
from apps.core.pagination import keyset_page
from apps.core.ratelimit import hit
from apps.core.site import site_url
from apps.core.views_helpers import Outcome, call, run_action, submit
from apps.projects.mixins import ProjectMixin
from apps.projects.permissions import can_scan, is_client_of
from apps.scans import exports, selectors, services, webhooks
from apps.scans.access import get_scan, get_scan_for_findings
from apps.scans.forms import SCHEDULE_CHOICES, ScanRequestForm, ScanScheduleForm
from apps.scans.models import FindingTriage, Scan, ScanFinding
from apps.scans.report import (
    checklist_verdicts,
    cleared_rules,
    finding_counts,
    finding_total,
    report_files_scanned,
    report_omitted,
    report_platform,
    report_rule_errors,
    report_rule_titles,
    report_rules,
    report_skipped,
    report_stack,
    scan_cleared_rules,
    severity_counts,
)

C = Capability
FALSE_POSITIVE = FindingTriage.State.FALSE_POSITIVE
PAGE_SIZE = 25

logger = logging.getLogger(__name__)


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
            context.update(self.push_webhook_context())
        return context

    def push_webhook_context(self) -> dict[str, Any]:
        webhook = selectors.repository_webhook(project=self.project)
        if webhook is None:
            return {"push_webhook": None}
        return {
            "push_webhook": webhook,
            "push_url": site_url() + reverse("repository_push", args=[webhook.public_id]),
            "push_last": selectors.last_push_delivery(project=self.project),
        }

    def post(self, request, agency_slug, project_id):
        if not self.can_scan:
            raise PermissionDenied
        if request.POST.get("action") == "schedule":
            return self.set_schedule()
        if request.POST.get("action") in ("push_connect", "push_rotate"):
            return self.push_secret(connect=request.POST["action"] == "push_connect")
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

    def push_secret(self, *, connect: bool):
        """Connect the push webhook or replace its secret; the new secret is on this answer
        only: rendered, not redirected, so it is never stored, even in the session."""
        service = (
            services.repository_webhook_connect if connect else services.repository_webhook_rotate
        )
        outcome = call(lambda: service(actor=self.membership, project=self.project))
        if not outcome.ok or outcome.value is None:
            messages.error(self.request, outcome.message)
            return redirect(
                reverse("project_scans", args=[self.agency.slug, self.project.pk]) + "#push"
            )
        _webhook, secret = outcome.value
        response = self.render_to_response(self.get_context_data(new_push_secret=secret))
        response["Cache-Control"] = "no-store"
        return response

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
            # The engagement's decisions, read once for the list, the counts and the diff.
            triages: dict[str, FindingTriage] | None = selectors.triage_map(project=project)
            findings = selectors.with_triage(
                list(selectors.finding_list(scan=scan)), project=project, triages=triages or {}
            )
            triaged = selectors.triage_counts_of(findings)
            cleared = cleared_rules(
                ((f.rule_id, f.key) for f in findings),
                false_positive=[k for k, t in (triages or {}).items() if t.state == FALSE_POSITIVE],
                omitted=report_omitted(scan),
            )
            # A false positive is shown (marked) but not counted (report.py, triage).
            counts = finding_counts(
                (f.category, f.severity) for f in findings if not _is_false_positive(f)
            )
            grouped = selectors.findings_grouped(findings)
            # The counts' categories are in the engine's order, with their labels and totals;
            # the list shows every finding, false positives too (marked), so it is grouped
            # from all of them.
            groups = [
                {**row, "severities": list(grouped[row["category"]].items())}
                for row in finding_counts((f.category, f.severity) for f in findings)["by_category"]
            ]
        else:
            # Client contacts: counts only, so only the two columns counted are read.
            findings, groups = None, []
            counts = finding_counts(
                selectors.counted_findings(scan=scan).values_list("category", "severity")
            )
            triages = selectors.triage_map(project=project) if scan.previous_id else None
            triaged = selectors.triage_counts(scan=scan)
            cleared = scan_cleared_rules(scan) if triaged[FALSE_POSITIVE] else set()
        verdicts = checklist_verdicts(scan, cleared=cleared)
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
        diff = (
            selectors.scan_diff(scan=scan, current=findings, triages=triages)
            if scan.previous_id
            else None
        )
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
                compared.update(
                    new=diff.new,
                    fixed=diff.fixed,
                    still_open=diff.still_open,
                    triaged=diff.triaged,
                )
            compared.update(still_open_count=len(diff.still_open), triaged_count=len(diff.triaged))
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
            "triage_counts": triaged,
            "triage_states": FindingTriage.State.choices,
            "reason_max": FindingTriage.REASON_MAX_LENGTH,
        }


class ScanProgressView(ScanDetailView):
    """The htmx partial of the scan page: the progress panel (which keeps polling) while the
    scan is queued or running, then the results (which do not)."""

    template_name = "scans/partials/scan_body.html"


# --- Rescans on push: the engagement's webhook and its public receiver -------------------------


def _push_rate_wait(request, *, public_id: str) -> int | None:
    """Count one delivery per webhook address and per client address: None while within both
    rates, else the seconds to wait. Counted before anything is read, refused or not."""
    waits = [
        hit(request, scope="push:hook", ident=public_id, rates=settings.SCAN_PUSH_RATE_PER_HOOK),
        hit(
            request, scope="push:ip", ident=client_ip(request) or "unknown",
            rates=settings.SCAN_PUSH_RATE_PER_IP,
        ),
    ]  # fmt: skip
    over = [wait for wait in waits if wait is not None]
    return max(over) if over else None


def _refused(status: int, detail: str = "Refused.") -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@method_decorator(csrf_exempt, name="dispatch")
class RepositoryPushView(View):
    """POST /hooks/repository/<public id>/: a GitHub or GitLab push webhook. No session and
    no CSRF token (the sender is a server); it is authenticated by the engagement's secret
    instead. What is refused before it is verified is refused with the same words, whatever
    the check (the reason goes to the log)."""

    http_method_names = ["post"]

    def post(self, request, public_id: str):
        wait = _push_rate_wait(request, public_id=public_id)
        if wait is not None:
            response = _refused(429, "Too many deliveries; try again later.")
            response["Retry-After"] = str(wait)
            return response
        if request.content_type != "application/json":
            return _refused(415, "Send the payload as application/json.")
        limit = settings.SCAN_PUSH_MAX_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        body = b"" if declared > limit else request.read(limit + 1)
        if declared > limit or len(body) > limit:
            return _refused(413, f"The payload is larger than {limit} bytes.")
        try:
            receipt = services.repository_push_receive(
                public_id=public_id, headers=request.headers, body=body
            )
        except webhooks.Refused as exc:
            logger.warning("push webhook refused (%s…): %s", public_id[:6], exc.reason)
            return _refused(exc.status)
        except webhooks.Malformed as exc:
            logger.warning("push webhook malformed (%s…): %s", public_id[:6], exc)
            return _refused(400, str(exc))
        return JsonResponse(
            {
                "outcome": receipt.outcome,
                "detail": receipt.detail,
                "scan": str(receipt.scan.pk) if receipt.scan is not None else None,
            },
            status=receipt.status,
        )


class PushWebhookDisconnectView(ProjectMixin, TemplateView):
    """Asks once, then removes the engagement's push webhook and its delivery log."""

    required_capability = C.RUN_ASSIGNED_SCANS
    template_name = "scans/push_webhook_disconnect.html"

    def get(self, request, *args, **kwargs):
        if not can_scan(self.membership, self.project):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def post(self, request, agency_slug, project_id):
        if not can_scan(self.membership, self.project):
            raise PermissionDenied
        run_action(
            request,
            lambda: services.repository_webhook_disconnect(
                actor=self.membership, project=self.project
            ),
            success="The push webhook is disconnected; pushes no longer start scans.",
        )
        return redirect(
            reverse("project_scans", args=[self.agency.slug, self.project.pk]) + "#push"
        )


# --- Triage and exports: staff who can scan the engagement ------------------------------------


class FindingTriageView(ScanDetailView):
    """POST: mark a finding a false positive or an accepted risk (state, reason), or undo
    it (action=undo). With htmx the finding's row comes back; without, the scan page, and
    a refusal of the input shows it there with what was typed kept."""

    required_capability = C.RUN_ASSIGNED_SCANS
    http_method_names = ["post"]

    @cached_property
    def scan(self) -> Scan:
        # 404 unless the engagement is visible, 403 unless the member may read findings.
        return get_scan_for_findings(member=self.membership, scan_id=self.kwargs["scan_id"])

    @cached_property
    def finding(self) -> ScanFinding:
        try:
            return selectors.get_finding(scan=self.scan, finding_id=self.kwargs["finding_id"])
        except ScanFinding.DoesNotExist:
            raise Http404 from None

    def post(self, request, agency_slug, scan_id, finding_id):
        finding = self.finding
        undo = request.POST.get("action") == "undo"
        outcome: Outcome[object]
        if undo:
            outcome = call(
                lambda: services.finding_triage_clear(actor=self.membership, finding=finding)
            )
        else:
            outcome = call(
                lambda: services.finding_triage_set(
                    actor=self.membership,
                    finding=finding,
                    state=request.POST.get("state", ""),
                    reason=request.POST.get("reason", ""),
                )
            )
        errors = _outcome_errors(outcome.error)
        selectors.with_triage([finding], project=self.scan.project)
        if request.htmx:
            return render(
                request,
                "scans/partials/finding.html",
                {
                    **self.finding_context(),
                    "finding": finding,
                    "triage_for": finding.pk if errors else None,
                    "triage_errors": errors,
                    "triage_input": request.POST if errors else None,
                    "triage_saved": not errors,
                },
                status=422 if errors else 200,
            )
        if errors:
            context = self.get_context_data(
                triage_for=finding.pk, triage_errors=errors, triage_input=request.POST
            )
            return self.render_to_response(context, status=422)
        if undo:
            messages.success(request, "The decision is undone: the finding counts again.")
        else:
            label = FindingTriage.State(request.POST["state"]).label.lower()
            messages.success(request, f"Marked as {label}. Rescans will keep the decision.")
        return redirect(
            reverse("scan_detail", args=[self.agency.slug, self.scan.pk]) + f"#f-{finding.pk}"
        )

    def finding_context(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "scan": self.scan,
            "can_scan": True,
            "triage_states": FindingTriage.State.choices,
            "reason_max": FindingTriage.REASON_MAX_LENGTH,
        }


def _is_false_positive(finding: ScanFinding) -> bool:
    # `.triage` is set by selectors.with_triage; the model's type does not declare it.
    triage = getattr(finding, "triage", None)
    return triage is not None and triage.state == FindingTriage.State.FALSE_POSITIVE


def _outcome_errors(error: object) -> list[str]:
    """A service's refusal as sentences for the finding's form."""
    if error is None:
        return []
    found = getattr(error, "messages", None)
    if found is not None:
        return [str(m) for m in found]
    return [str(getattr(error, "message", error))]


class ScanExportView(AgencyViewMixin, View):
    """GET: the scan's findings as SARIF 2.1.0 or CSV, for staff who can scan the
    engagement (a client contact reads the summary only: 403)."""

    required_capability = C.RUN_ASSIGNED_SCANS

    def get(self, request, agency_slug, scan_id, export_format: str):
        scan = get_scan_for_findings(member=self.membership, scan_id=scan_id)
        if scan.status != Scan.Status.SUCCEEDED:
            raise Http404("Only a scan that succeeded has findings to export.")
        return exports.export_response(scan, export_format)
