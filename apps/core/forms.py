"""Form and serializer bases that keep every chosen object inside the request's agency."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Model
from rest_framework import serializers

from apps.core.api import InputSerializer
from apps.core.models import TenantQuerySet


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """`form`'s model choice field `name`, typed as one, to narrow its queryset."""
    return cast(forms.ModelChoiceField, form.fields[name])


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """`form`'s choice field `name`, typed as one, to narrow its choices."""
    return cast(forms.ChoiceField, form.fields[name])


def _narrow(queryset, agency):
    if queryset is not None and isinstance(queryset, TenantQuerySet):
        return queryset.for_agency(agency)
    return queryset


class AgencyForm(forms.Form):
    """A form bound to one agency. Every choice over tenant-owned rows is narrowed to it, so
    an id from another agency fails as "not one of the available choices"."""

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = _narrow(field.queryset, agency)


class AgencySerializer(InputSerializer):
    """The API's counterpart of AgencyForm. Without an `agency` in its context (as when the
    schema generator builds it) every choice is empty: it fails closed. Input, so its values
    are of the types the schema says (core.api.InputSerializer)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agency = self.context.get("agency")
        for field in self.fields.values():
            related = getattr(field, "child_relation", field)
            if isinstance(related, serializers.RelatedField) and not related.read_only:
                _narrow_related(related, agency)


def _narrow_related(related: Any, agency: Model | None) -> None:
    # `Any`: DRF's stubs declare RelatedField.queryset as a manager descriptor; on a field
    # instance it is a plain attribute holding a queryset.
    related.queryset = (
        related.queryset.none() if agency is None else _narrow(related.queryset, agency)
    )
