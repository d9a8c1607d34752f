"""Forms for clients and their contacts."""

from django import forms

from apps.clients.models import Client


class ClientForm(forms.Form):
    name = forms.CharField(max_length=160)
    website = forms.URLField(max_length=300, required=False, assume_scheme="https")
    billing_email = forms.EmailField(max_length=254, required=False)
    notes = forms.CharField(max_length=5000, required=False, widget=forms.Textarea({"rows": 4}))
    status = forms.ChoiceField(choices=Client.Status.choices, initial=Client.Status.ACTIVE)


class ContactForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    title = forms.CharField(max_length=120, required=False, label="Job title")
    phone = forms.CharField(max_length=40, required=False)


class ClientFilterForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Search")
    status = forms.ChoiceField(
        choices=[("", "Current"), *Client.Status.choices, ("all", "All")], required=False
    )
