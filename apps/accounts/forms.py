"""Account forms: the extra sign-up fields and the profile."""

from django import forms

from apps.accounts.validators import time_zone_choices, validate_time_zone


class SignupProfileForm(forms.Form):
    """Added to allauth's sign-up form: a name, and the time zone the browser reports."""

    name = forms.CharField(max_length=150, label="Your name", required=False)
    time_zone = forms.CharField(
        max_length=64, required=False, widget=forms.HiddenInput({"data-detect-time-zone": ""})
    )

    def clean_time_zone(self) -> str:
        value = self.cleaned_data.get("time_zone") or "UTC"
        try:
            validate_time_zone(value)
        except forms.ValidationError:
            return "UTC"  # a browser's odd answer must not block sign-up; it is editable later
        return value

    def signup(self, request, user) -> None:  # noqa: ARG002 - allauth calls signup(request, user)
        user.name = self.cleaned_data.get("name", "")
        user.time_zone = self.cleaned_data.get("time_zone") or "UTC"
        user.save(update_fields=["name", "time_zone"])


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=150, required=False, label="Name")
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        validators=[validate_time_zone],
        help_text="Dates and times across Launchpad are shown in this zone.",
    )
