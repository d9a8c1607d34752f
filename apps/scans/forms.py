"""Forms for scans: start one (the repository's address and an optional access token) and
the engagement's rescan schedule. The address is checked by the service, which says what is
wrong with it in words a person can act on."""

from __future__ import annotations

from django import forms

SCHEDULE_CHOICES = [("", "Off"), ("daily", "Daily"), ("weekly", "Weekly")]


class ScanRequestForm(forms.Form):
    repository_url = forms.CharField(
        max_length=500,
        label="Repository address",
        help_text="The https clone address, such as https://github.com/acme/app.git.",
        error_messages={"required": "Give the repository's https address."},
        widget=forms.TextInput({"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
    )
    token = forms.CharField(
        max_length=400,
        required=False,
        label="Access token",
        # Never rendered back into the page, not even after an error.
        widget=forms.PasswordInput({"autocomplete": "new-password"}, render_value=False),
        help_text="For a private repository: a read-only token. It is stored encrypted.",
    )

    def __init__(self, *args, token_hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if token_hint:
            self.fields["token"].help_text = (
                f"Saved: …{token_hint}. Leave this empty to keep it, or enter a new token to "
                "replace it."
            )


class ScanScheduleForm(forms.Form):
    scan_schedule = forms.ChoiceField(
        choices=SCHEDULE_CHOICES,
        required=False,
        label="Rescan automatically",
        help_text="A new scan of the same address, compared with the last one.",
    )
