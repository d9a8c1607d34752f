"""Forms of the notification pages: webhook endpoints and email preferences."""

from __future__ import annotations

from django import forms

from apps.notifications import kinds, webhooks
from apps.notifications.endpoints import DESCRIPTION_MAX
from apps.notifications.webhooks import MAX_URL_LENGTH


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint URL", max_length=MAX_URL_LENGTH,
        help_text="An https address on the public internet. Redirects are not followed.",
    )  # fmt: skip
    description = forms.CharField(label="Description", max_length=DESCRIPTION_MAX, required=False)
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[(name, f"{name}: {text}") for name, text in webhooks.EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Unknown event: %(value)s."},
    )  # fmt: skip


class EndpointEditForm(EndpointForm):
    is_active = forms.BooleanField(label="Send to this endpoint", required=False)


def preferences_form(*, audience: str, data=None, initial_off: frozenset[str] = frozenset()):
    """One checkbox per kind of email this person may switch off; checked means on."""
    fields = {
        kind.key: forms.BooleanField(
            label=kind.label,
            help_text=kind.description,
            required=False,
            initial=kind.key not in initial_off,
        )
        for kind in kinds.optional()
        if audience in kind.audiences
    }
    form_class = type("PreferencesForm", (forms.Form,), fields)
    return form_class(data=data)
