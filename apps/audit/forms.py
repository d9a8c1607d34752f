"""The audit log's filter form."""

from django import forms

from apps.agencies.models import Membership
from apps.audit.models import Verb
from apps.core.forms import AgencyForm


class AuditFilterForm(AgencyForm):
    verb = forms.ChoiceField(
        choices=[("", "All events"), *Verb.choices], required=False, label="Event"
    )
    member = forms.ModelChoiceField(
        queryset=Membership.objects.select_related("user").order_by("user__email"),
        required=False,
        empty_label="Anyone",
        label="Who",
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].label_from_instance = lambda m: m.user.display_name

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date must be on or after the start date.")
        return data
