"""Forms for engagements: the profile, the tier override, environments, assignments."""

from __future__ import annotations

from typing import cast

from django import forms

from apps.agencies.forms import MemberChoiceField
from apps.agencies.models import Membership
from apps.clients.models import Client, ClientQuerySet
from apps.core.forms import AgencyForm, model_choice_field
from apps.core.validators import validate_date_in_range
from apps.projects import limits
from apps.projects.models import Environment
from apps.projects.profile import Framework, Platform, Stage, Tier
from apps.projects.selectors import assignable_members


class StackField(forms.CharField):
    """A comma-separated list in the form, a list of names in the model."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > limits.STACK_MAX_ENTRIES or any(
            len(part) > limits.STACK_ENTRY_MAX_LENGTH for part in value
        ):
            raise forms.ValidationError(
                f"Up to {limits.STACK_MAX_ENTRIES} technologies of at most "
                f"{limits.STACK_ENTRY_MAX_LENGTH} characters each."
            )


class ProjectForm(AgencyForm):
    client = forms.ModelChoiceField(queryset=Client.objects.order_by("name"))
    name = forms.CharField(max_length=limits.NAME_MAX_LENGTH, label="Engagement name")
    source_platform = forms.ChoiceField(choices=Platform.choices, label="Built with")
    repository_url = forms.URLField(
        max_length=limits.URL_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        label="Repository URL",
    )
    stack = StackField(
        max_length=900, required=False, help_text="Comma-separated, e.g. React, Vite, Supabase"
    )
    users_at_launch = forms.IntegerField(
        min_value=0, max_value=limits.MAX_USERS, required=False, label="Expected users at launch"
    )
    users_in_a_year = forms.IntegerField(
        min_value=0, max_value=limits.MAX_USERS, required=False, label="Expected users in a year"
    )
    compliance = forms.MultipleChoiceField(
        choices=Framework.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Compliance needs",
    )
    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.DISCOVERY)
    target_launch = forms.DateField(
        required=False,
        widget=forms.DateInput({"type": "date"}),
        label="Target launch date",
        validators=[validate_date_in_range],
    )
    description = forms.CharField(
        max_length=limits.DESCRIPTION_MAX_LENGTH, required=False, widget=forms.Textarea({"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "client")
        field.queryset = cast(ClientQuerySet, field.queryset).active()


class TierForm(forms.Form):
    tier = forms.ChoiceField(
        choices=[("", "Use the recommendation"), *Tier.choices], required=False
    )
    reason = forms.CharField(
        max_length=limits.TIER_REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text="Required when you override the recommendation.",
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("tier") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why this engagement needs a different tier.")
        return data


class EnvironmentForm(forms.Form):
    kind = forms.ChoiceField(choices=Environment.Kind.choices)
    url = forms.URLField(
        max_length=limits.URL_MAX_LENGTH, required=False, assume_scheme="https", label="URL"
    )
    notes = forms.CharField(max_length=limits.ENVIRONMENT_NOTES_MAX_LENGTH, required=False)


class AssignForm(AgencyForm):
    member = MemberChoiceField(
        queryset=Membership.objects.none(),
        label="Engineer",
        empty_label="Choose someone to assign",
        show_role=True,
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, agency=agency, **kwargs)
        model_choice_field(self, "member").queryset = assignable_members(agency=agency)


class ProjectFilterForm(AgencyForm):
    q = forms.CharField(max_length=100, required=False, label="Search")
    stage = forms.ChoiceField(choices=[("", "All stages"), *Stage.choices], required=False)
    client = forms.ModelChoiceField(
        queryset=Client.objects.order_by("name"), required=False, empty_label="All clients"
    )
    archived = forms.BooleanField(required=False, label="Archived")
