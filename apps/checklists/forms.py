"""Forms for checklist items (status, assignment, evidence, comments) and catalog items."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from apps.agencies.forms import MemberChoiceField
from apps.agencies.models import Membership
from apps.checklists import limits
from apps.checklists.models import ItemStatus, Level, Severity
from apps.core.forms import AgencyForm, model_choice_field
from apps.core.validators import validate_date_in_range
from apps.projects.profile import Framework, Platform, Tier
from apps.projects.selectors import assignable_members

CATEGORY_LABELS = {
    "architecture": "Architecture",
    "database": "Database",
    "caching": "Caching",
    "performance": "Performance",
    "security": "Security",
    "compliance": "Compliance",
    "testing": "Testing",
    "deployment": "Deployment",
    "observability": "Observability",
    "maintenance": "Maintenance",
    "documentation": "Documentation",
}


class ItemStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ItemStatus.choices)
    not_applicable_reason = forms.CharField(max_length=500, required=False, label="Why not")


class ItemUpdateForm(AgencyForm):
    status = forms.ChoiceField(choices=ItemStatus.choices)
    not_applicable_reason = forms.CharField(
        max_length=500,
        required=False,
        label="Reason it does not apply",
        help_text="Required when the status is “Not applicable”.",
    )
    assignee = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="Nobody"
    )
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput({"type": "date"}),
        validators=[validate_date_in_range],
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, agency=agency, **kwargs)
        model_choice_field(self, "assignee").queryset = assignable_members(agency=agency)


class ItemIdsField(forms.Field):
    """The checked rows: item ids, each once, at most BULK_MAX_ITEMS."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one item.",
        "invalid": "Select items from the checklist.",
    }

    def to_python(self, value: object) -> list[uuid.UUID]:
        if value in (None, "", [], ()):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids: dict[uuid.UUID, None] = {}
        for raw in values:
            try:
                ids[uuid.UUID(str(raw))] = None
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        if len(ids) > limits.BULK_MAX_ITEMS:
            raise forms.ValidationError(
                f"Change at most {limits.BULK_MAX_ITEMS} items at once.", code="too_many"
            )
        return list(ids)


class ItemBulkForm(AgencyForm):
    """One change to the selected items: a status (with one reason for all when it is "not
    applicable"), an assignee (or nobody), or a due date (or none)."""

    ACTIONS = (
        ("status", "Set the status"),
        ("assignee", "Assign"),
        ("due_date", "Set the due date"),
    )

    items = ItemIdsField(label="Selected items")
    action = forms.ChoiceField(choices=ACTIONS, label="Change")
    status = forms.ChoiceField(
        choices=[("", "Choose a status"), *ItemStatus.choices], required=False, label="New status"
    )
    not_applicable_reason = forms.CharField(
        max_length=500, required=False, label="Why they do not apply",
        help_text="One reason for every selected item; needed for “Not applicable”.",
    )  # fmt: skip
    assignee = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="Nobody",
        label="Assign to",
    )  # fmt: skip
    due_date = forms.DateField(
        required=False, widget=forms.DateInput({"type": "date"}),
        validators=[validate_date_in_range], help_text="Leave empty to clear it.",
    )  # fmt: skip

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, agency=agency, **kwargs)
        model_choice_field(self, "assignee").queryset = assignable_members(agency=agency)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "status":
            if not data.get("status"):
                self.add_error("status", "Choose the status to set.")
            elif (
                data["status"] == ItemStatus.NOT_APPLICABLE
                and not data.get("not_applicable_reason", "").strip()
            ):
                self.add_error(
                    "not_applicable_reason", "Say why these items do not apply to the engagement."
                )
        return data

    def changes(self) -> dict[str, Any]:
        """The service's keyword arguments for the chosen action."""
        data = self.cleaned_data
        if data["action"] == "status":
            changes: dict[str, Any] = {"status": data["status"]}
            if data["status"] == ItemStatus.NOT_APPLICABLE:
                changes["not_applicable_reason"] = data["not_applicable_reason"]
            return changes
        if data["action"] == "assignee":
            return {"assignee": data.get("assignee")}
        return {"due_date": data.get("due_date")}


class SignOffForm(forms.Form):
    """The portal's checked items, and whether the person has seen what they sign."""

    items = ItemIdsField(label="Items to sign off")
    confirm = forms.BooleanField(required=False)


class EvidenceForm(forms.Form):
    url = forms.URLField(max_length=500, required=False, assume_scheme="https", label="Link")
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea({"rows": 2}))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("url") and not (data.get("note") or "").strip():
            raise forms.ValidationError("Add a link, a note, or both.")
        return data


class CommentForm(forms.Form):
    body = forms.CharField(max_length=4000, widget=forms.Textarea({"rows": 3}), label="Comment")


class ItemFilterForm(forms.Form):
    q = forms.CharField(
        max_length=100, required=False, label="Search",
        widget=forms.TextInput({"type": "search", "placeholder": "Title or key"}),
    )  # fmt: skip
    category = forms.ChoiceField(
        choices=[("", "All categories"), *CATEGORY_LABELS.items()], required=False
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Open (to do or in progress)"), *ItemStatus.choices],
        required=False,
    )
    severity = forms.ChoiceField(choices=[("", "Any severity"), *Severity.choices], required=False)
    mine = forms.BooleanField(required=False, label="Assigned to me")


class CatalogItemForm(forms.Form):
    category = forms.ChoiceField(choices=list(CATEGORY_LABELS.items()))
    key = forms.SlugField(
        max_length=60,
        label="Short name",
        help_text="Lowercase words and hyphens, e.g. partner-pen-test. Stays fixed.",
    )
    title = forms.CharField(max_length=200)
    guidance = forms.CharField(max_length=4000, widget=forms.Textarea({"rows": 4}))
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)
    level = forms.ChoiceField(choices=Level.choices, initial=Level.SILVER)
    target = forms.CharField(max_length=80, required=False, help_text="e.g. “API p95 < 100 ms”")
    tiers = forms.MultipleChoiceField(
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for every tier.",
    )
    frameworks = forms.MultipleChoiceField(
        choices=Framework.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty unless the item is a compliance requirement.",
    )
    platforms = forms.MultipleChoiceField(
        choices=Platform.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for every platform.",
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("category") and data.get("key"):
            data["key"] = f"{data['category']}.{data['key']}"
        return data
