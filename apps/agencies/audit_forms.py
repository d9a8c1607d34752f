"""The audit log page's filter form (the page is the agencies app's: audit sits below it)."""

from django import forms

from apps.agencies.models import Membership
from apps.audit.models import Verb
from apps.core.forms import AgencyForm
from apps.core.validators import validate_date_in_range


class _MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.display_name


class AuditFilterForm(AgencyForm):
    verb = forms.ChoiceField(
        choices=[("", "All events"), *Verb.choices], required=False, label="Event"
    )
    member = _MemberChoiceField(
        queryset=Membership.objects.select_related("user").order_by("user__email"),
        required=False,
        empty_label="Anyone",
        label="Who",
    )
    since = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput({"type": "date"}),
        validators=[validate_date_in_range],
    )
    until = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput({"type": "date"}),
        validators=[validate_date_in_range],
    )

    def clean(self):
        super().clean()
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date must be on or after the start date.")
        return self.cleaned_data
