"""Checklist item pages: the item (guidance, evidence, comments, history, sign-off), the
inline status change (htmx), and the agency's own catalog items."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.base import ContextMixin

from apps.agencies.mixins import AgencyViewMixin
from apps.agencies.roles import Capability
from apps.checklists import selectors, services
from apps.checklists.access import get_item, get_item_row, get_own_catalog_item
from apps.checklists.charts import readiness_context
from apps.checklists.forms import (
    CATEGORY_LABELS,
    CatalogItemForm,
    CommentForm,
    EvidenceForm,
    ItemBulkForm,
    ItemStatusForm,
    ItemUpdateForm,
)
from apps.checklists.rows import prepare_rows
from apps.core.views_helpers import attempt, call, form_errors_text, run_action, safe_next, submit
from apps.projects.mixins import ProjectMixin

C = Capability


class ItemMixin(ProjectMixin, ContextMixin):
    """Views of one checklist item; they all re-render the item page when a form fails."""

    template_name = "checklists/item_detail.html"

    @cached_property
    def item(self):
        return get_item(project=self.project, item_id=self.kwargs["item_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.item
        context["item"] = item
        context["category_label"] = CATEGORY_LABELS.get(item.category, item.category)
        context["today"] = timezone.localdate()
        if context["can_work"]:
            context.setdefault(
                "update_form",
                ItemUpdateForm(
                    agency=self.agency,
                    initial={
                        "status": item.status,
                        "not_applicable_reason": item.not_applicable_reason,
                        "assignee": item.assignee_id,
                        "due_date": item.due_date,
                    },
                ),
            )
            context.setdefault("evidence_form", EvidenceForm())
        if context["can_work"] or context["is_client"]:
            context.setdefault("comment_form", CommentForm())
        return context

    def render_item(self, **forms):
        return render(self.request, self.template_name, self.get_context_data(**forms))

    def back_to_item(self, anchor: str = ""):
        response = redirect(
            "item_detail",
            agency_slug=self.agency.slug,
            project_id=self.project.pk,
            item_id=self.item.pk,
        )
        if anchor:
            response["Location"] += f"#{anchor}"
        return response


class ItemDetailView(ItemMixin, View):
    def get(self, request, agency_slug, project_id, item_id):
        return self.render_item()


class ItemStatusView(ItemMixin, View):
    """The checklist row's status select. With htmx it returns the row (and, out of band,
    the readiness summary); without, it redirects back to the checklist."""

    @cached_property
    def item(self):
        return get_item_row(project=self.project, item_id=self.kwargs["item_id"])

    def post(self, request, agency_slug, project_id, item_id):
        form = ItemStatusForm(request.POST)
        item, error = self.item, None
        if form.is_valid():
            updated = call(
                lambda: services.item_update(
                    actor=self.membership, item=self.item, **form.cleaned_data
                )
            )
            item = updated.value or item
            error = updated.message or None
        else:
            error = "Choose a status from the list."
        if request.htmx:
            item = get_item_row(project=self.project, item_id=item_id)
            context = {
                "agency": self.agency,
                "project": self.project,
                "item": item,
                "can_work": True,
                "row_error": error,
                # A refused change keeps what was chosen, so that its reason can follow it.
                **prepare_rows(
                    request, [item], chosen_status=form.data.get("status", "") if error else ""
                ),
                "items_url": self.items_url,
                "today": timezone.localdate(),
                "oob": error is None,
                **readiness_context(self.project),
            }
            return render(
                request, "checklists/partials/item_row_response.html", context,
                status=422 if error else 200,
            )  # fmt: skip
        # `item` is as item_update left it: the new status, not the one before the change.
        if error:
            messages.error(request, f"{item.title}: {error}")
        else:
            messages.success(request, f"{item.title}: {item.get_status_display()}.")
        return redirect(safe_next(request, self.back().url))


class ItemFormView(ItemMixin, View):
    """A form on the item page posted to its own address: one service call, then back to
    the item, or the page again with the errors beside the fields."""

    form_class: type
    form_name: str
    anchor: str
    done_message: str

    def get_form(self):
        return self.form_class(self.request.POST)

    def act(self, **data) -> None:
        raise NotImplementedError

    def post(self, request, agency_slug, project_id, item_id):
        form = self.get_form()
        if submit(form, lambda data: self.act(**data)):
            messages.success(request, self.done_message)
            return self.back_to_item(self.anchor)
        return self.render_item(**{self.form_name: form})


class ItemUpdateView(ItemFormView):
    """The item page's full form: status, reason, assignee, due date."""

    form_class, form_name, anchor = ItemUpdateForm, "update_form", ""
    done_message = "Item saved."

    def get_form(self):
        return self.form_class(self.request.POST, agency=self.agency)

    def act(self, **data) -> None:
        services.item_update(actor=self.membership, item=self.item, **data)


class EvidenceView(ItemFormView):
    form_class, form_name, anchor = EvidenceForm, "evidence_form", "evidence"
    done_message = "Evidence added."

    def act(self, **data) -> None:
        services.evidence_add(actor=self.membership, item=self.item, **data)


class CommentView(ItemFormView):
    form_class, form_name, anchor = CommentForm, "comment_form", "comments"
    done_message = "Comment added."

    def act(self, **data) -> None:
        services.comment_add(actor=self.membership, item=self.item, **data)


class SignOffView(ItemMixin, View):
    def post(self, request, agency_slug, project_id, item_id):
        run_action(
            request,
            lambda: services.item_sign_off(actor=self.membership, item=self.item),
            success=f"You signed off “{self.item.title}”.",
        )
        return redirect(safe_next(request, self.back_to_item().url))


class ItemBulkView(ProjectMixin, View):
    """The checklist's bulk bar: one change to the checked rows, one service call, then
    back to the checklist as it was filtered."""

    def post(self, request, agency_slug, project_id):
        project = self.project  # another agency's, or one out of reach, is a 404 first
        back = safe_next(request, reverse("project_detail", args=[agency_slug, project_id]))
        form = ItemBulkForm(request.POST, agency=self.agency)
        if not form.is_valid():
            messages.error(request, "Nothing was changed. " + form_errors_text(form))
            return redirect(back)
        outcome = call(
            lambda: services.items_bulk_update(
                actor=self.membership, project=project,
                item_ids=form.cleaned_data["items"], **form.changes(),
            ),
            denial_in_place=True,
        )  # fmt: skip
        result = outcome.value
        if result is None:
            messages.error(request, f"Nothing was changed. {outcome.message}")
        else:
            text = f"{result.changed} item{pluralize(result.changed)} changed"
            if result.unchanged:
                text += (
                    f"; {result.unchanged} already {'was' if result.unchanged == 1 else 'were'} so"
                )
            messages.success(request, text + ".")
        return redirect(back)


class CatalogView(AgencyViewMixin, FormView):
    """The agency's own checklist items, and the shared catalog to browse."""

    required_capability = C.MANAGE_AGENCY
    template_name = "checklists/catalog.html"
    form_class = CatalogItemForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["own_items"] = selectors.agency_catalog(agency=self.agency, own_only=True)
        query = (self.request.GET.get("q") or "").strip()[:100]
        shared = selectors.shared_catalog(search=query or None)
        context["shared_items"] = shared
        context["search"] = query
        context["category_labels"] = CATEGORY_LABELS
        return context

    def form_valid(self, form):
        item = attempt(
            form, lambda data: services.catalog_item_create(actor=self.membership, **data)
        )
        if item is None:
            return self.form_invalid(form)
        messages.success(
            self.request, f"“{item.title}” added; engagements it applies to now include it."
        )
        return redirect("catalog", agency_slug=self.agency.slug)


class CatalogRetireView(AgencyViewMixin, TemplateView):
    required_capability = C.MANAGE_AGENCY
    template_name = "checklists/catalog_retire.html"

    @cached_property
    def catalog_item(self):
        return get_own_catalog_item(
            agency=self.agency, catalog_item_id=self.kwargs["catalog_item_id"]
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "catalog_item": self.catalog_item}

    def post(self, request, agency_slug, catalog_item_id):
        run_action(
            request,
            lambda: services.catalog_item_retire(actor=self.membership, item=self.catalog_item),
            success=f"“{self.catalog_item.title}” retired.",
        )
        return redirect("catalog", agency_slug=agency_slug)
