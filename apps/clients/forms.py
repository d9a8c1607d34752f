"""Forms for clients and their contacts."""

from django import forms

from apps.clients import limits
from apps.clients.models import Client


class ClientForm(forms.Form):
    name = forms.CharField(max_length=limits.NAME_MAX_LENGTH)
    website = forms.URLField(
        max_length=limits.WEBSITE_MAX_LENGTH, required=False, assume_scheme="https"
    )
    billing_email = forms.EmailField(max_length=limits.EMAIL_MAX_LENGTH, required=False)
    notes = forms.CharField(
        max_length=limits.NOTES_MAX_LENGTH, required=False, widget=forms.Textarea({"rows": 4})
    )
    status = forms.ChoiceField(choices=Client.Status.choices, initial=Client.Status.ACTIVE)


class ContactForm(forms.Form):
    name = forms.CharField(max_length=limits.CONTACT_NAME_MAX_LENGTH)
    email = forms.EmailField(max_length=limits.EMAIL_MAX_LENGTH)
    title = forms.CharField(
        max_length=limits.CONTACT_TITLE_MAX_LENGTH, required=False, label="Job title"
    )
    phone = forms.CharField(max_length=limits.CONTACT_PHONE_MAX_LENGTH, required=False)


class ClientFilterForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Search")
    status = forms.ChoiceField(
        choices=[("", "Current"), *Client.Status.choices, ("all", "All")], required=False
    )
