"""Forms for agencies: creating one, its settings, invitations, roles and API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import slugify

from apps.accounts.validators import time_zone_choices, validate_time_zone
from apps.agencies import limits
from apps.agencies.roles import Capability, Role
from apps.agencies.validators import validate_agency_slug
from apps.core.forms import choice_field


class AgencyCreateForm(forms.Form):
    """Name, web address and time zone; on a fresh form the browser proposes its zone."""

    name = forms.CharField(max_length=limits.AGENCY_NAME_MAX_LENGTH, label="Agency name")
    slug = forms.CharField(
        max_length=limits.AGENCY_SLUG_MAX_LENGTH,
        label="Web address",
        help_text="Your team's pages live at /<address>/ and your booking page at "
        "/book/<address>/. Lowercase letters, digits and hyphens.",
        validators=[validate_agency_slug],
        required=False,
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices, initial="UTC", validators=[validate_time_zone]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["time_zone"].widget.attrs["data-detect-time-zone"] = ""

    def clean(self):
        super().clean()
        data = self.cleaned_data
        # An empty address is derived from the name, then checked like a typed one.
        if not self.errors.get("slug") and not data.get("slug") and data.get("name"):
            slug = slugify(data["name"])[:50].strip("-")
            try:
                validate_agency_slug(slug)
            except forms.ValidationError as exc:
                self.add_error("slug", exc)
            else:
                data["slug"] = slug
        elif not data.get("slug") and "slug" not in self.errors:
            self.add_error("slug", "Enter a web address.")
        return data


class AgencySettingsForm(forms.Form):
    name = forms.CharField(max_length=limits.AGENCY_NAME_MAX_LENGTH, label="Agency name")
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        validators=[validate_time_zone],
        help_text="Used for digests and as the default for new availability schedules.",
    )


class AgencyBrandForm(forms.Form):
    accent_color = forms.CharField(
        max_length=7, required=False, label="Accent colour",
        widget=forms.TextInput({"placeholder": "#4338ca", "autocomplete": "off"}),
        help_text="Buttons and links on your booking pages, as # and six hexadecimal digits. "
        "Dark enough for white text on it; empty for Launchpad's own.",
    )  # fmt: skip
    logo = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput({"accept": "image/png,image/jpeg,image/webp"}),
        help_text=f"PNG, JPEG or WebP, at most {limits.LOGO_MAX_BYTES // 1024} KB and "
        f"{limits.LOGO_MAX_PIXELS} pixels on a side. Shown at the top of your booking pages.",
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the current logo")

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload and upload.size > limits.LOGO_MAX_BYTES:
            # Refused before it is read: the size is the upload handler's count.
            raise forms.ValidationError(
                f"The logo must be at most {limits.LOGO_MAX_BYTES // 1024} KB."
            )
        return upload


class AgencyMfaPolicyForm(forms.Form):
    require_mfa = forms.BooleanField(
        required=False,
        label="Require two-factor authentication of every member",
        help_text="Members who have not set up an authenticator app are sent to do it at their "
        "next page of this agency, owners and admins included; the API refuses their tokens "
        "until they have.",
    )


def _grantable_roles(actor) -> list[tuple[str, str]]:
    return [
        (role.value, role.label)
        for role in Role
        if role != Role.OWNER or actor.can(Capability.MANAGE_OWNERS)
    ]


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=limits.EMAIL_MAX_LENGTH, label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ENGINEER)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # Client contacts are invited from their company's page, which names the client.
        choice_field(self, "role").choices = [
            (value, label) for value, label in _grantable_roles(actor) if value != Role.CLIENT
        ]


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "role").choices = _grantable_roles(actor)


class ApiTokenForm(forms.Form):
    EXPIRY_CHOICES = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "1 year")]

    name = forms.CharField(
        max_length=limits.API_TOKEN_NAME_MAX_LENGTH,
        help_text="What the token is for, such as “CI readiness report”.",
    )
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, coerce=int, initial=90, label="Expires after"
    )


class MemberChoiceField(forms.ModelChoiceField):
    """A choice among the agency's members, each shown by name (and role, with
    `show_role=True`)."""

    def __init__(self, *args: Any, show_role: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.show_role = show_role

    def label_from_instance(self, obj: Any) -> str:
        name: str = obj.user.display_name
        return f"{name} ({obj.get_role_display()})" if self.show_role else name
