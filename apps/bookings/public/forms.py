"""The public booking form: who is booking, about what, and their consent; and a honeypot."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.bookings import limits
from apps.core.validators import validate_date_in_range
from apps.projects.profile import Framework, Platform


class PublicBookingForm(forms.Form):
    start = forms.DateTimeField(widget=forms.HiddenInput, validators=[validate_date_in_range])
    time_zone = forms.CharField(max_length=64, widget=forms.HiddenInput)
    host = forms.UUIDField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    name = forms.CharField(max_length=limits.BOOKER_NAME_MAX_LENGTH, label="Your name")
    email = forms.EmailField(max_length=limits.BOOKER_EMAIL_MAX_LENGTH, label="Email")
    company = forms.CharField(max_length=limits.BOOKER_COMPANY_MAX_LENGTH, required=False)
    prototype_url = forms.URLField(
        max_length=limits.PROTOTYPE_URL_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        label="Link to your prototype",
        help_text="The app's address or its repository.",
    )
    platform = forms.ChoiceField(
        choices=[("", "Choose one"), *Platform.choices], required=False, label="Built with"
    )
    expected_users = forms.IntegerField(
        min_value=0,
        max_value=limits.MAX_EXPECTED_USERS,
        required=False,
        label="Users you expect in the first year",
    )
    compliance = forms.MultipleChoiceField(
        choices=Framework.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Compliance needs",
        help_text="Tick any that apply to your users or data.",
    )
    notes = forms.CharField(
        max_length=limits.NOTES_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 3}),
        label="Anything we should know",
    )
    consent = forms.BooleanField(
        label="I agree to the privacy notice above.",
        error_messages={
            "required": "Please agree to the privacy notice so we can use your details."
        },
    )
    # The honeypot: the page hides it from people (and from screen readers and the keyboard);
    # a script that fills in every field fills it too, and its booking is refused.
    website = forms.CharField(
        required=False,
        max_length=200,
        label="Leave this field empty",
        widget=forms.TextInput({"autocomplete": "off", "tabindex": "-1"}),
    )

    HONEYPOT = "website"
    HONEYPOT_MESSAGE = (
        "We could not accept this booking. If you typed something in the field “Leave this "
        "field empty”, clear it and send the form again."
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get(self.HONEYPOT) or self.data.get(self.HONEYPOT):
            raise forms.ValidationError(self.HONEYPOT_MESSAGE, code="honeypot")
        return cleaned


class RescheduleForm(forms.Form):
    start = forms.DateTimeField(widget=forms.HiddenInput, validators=[validate_date_in_range])
    reason = forms.CharField(max_length=limits.REASON_MAX_LENGTH, required=False, label="Reason")


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=limits.REASON_MAX_LENGTH,
        widget=forms.Textarea({"rows": 2}),
        label="Why are you cancelling?",
        error_messages={"required": "Please say why, so the other side knows."},
    )
