"""Forms for privacy rights: deleting one's account, erasing a client, the privacy notice."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.privacy.models import PrivacyNotice


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
        help_text="Enter it again to confirm that you want your account deleted.",
    )


class ClientEraseForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the client's name to confirm",
        max_length=200,
        help_text="Erasing cannot be undone.",
    )


class PrivacyNoticeForm(forms.ModelForm):
    """The model's fields, labels and limits; the service saves it."""

    class Meta:
        model = PrivacyNotice
        fields = ["contact_email", "contact_details", "data_kept", "retention"]
        widgets = {
            "contact_details": forms.Textarea({"rows": 3}),
            "data_kept": forms.Textarea({"rows": 6}),
            "retention": forms.Textarea({"rows": 4}),
        }

    @staticmethod
    def initial_from(notice: PrivacyNotice | None) -> dict[str, Any]:
        if notice is None:
            return {}
        return {field: getattr(notice, field) for field in PrivacyNoticeForm.Meta.fields}
