"""Forms for checklist items (status, assignment, evidence, comments) and catalog items."""

from __future__ import annotations

from django import forms

from apps.agencies.forms import MemberChoiceField
from apps.agencies.models import Membership
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
