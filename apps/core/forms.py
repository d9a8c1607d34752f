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


class DurationInput(forms.MultiWidget):
    """An amount and its unit ("4" "hours"), the unit labelled for screen readers."""

    template_name = "core/widgets/duration.html"

    def __init__(self, units: tuple[tuple[str, int], ...], attrs=None):
        self.units = units
        widgets = (
            forms.NumberInput({"min": "0", "inputmode": "numeric", "class": "duration__amount"}),
            forms.Select(choices=[(name, name) for name, _ in units]),
        )
        super().__init__(widgets, attrs)

    def id_for_label(self, id_):
        # The field's own label names the amount (Django's MultiWidget names no part); the
        # unit has its own label in the widget's template.
        return f"{id_}_0" if id_ else id_

    def decompress(self, value):
        """A stored number of base units, in the largest unit that holds it whole."""
        if value in (None, ""):
            return [None, self.units[0][0]]
        for name, size in reversed(self.units):
            if int(value) % size == 0:
                return [int(value) // size, name]
        return [value, self.units[0][0]]


class DurationField(forms.MultiValueField):
    """A length of time typed as an amount and a unit, cleaned to a whole number of the
    smallest unit (the field's `units`, smallest first, each with its size in that unit).
    Bounds are checked on the total and explained in the unit the person chose."""

    def __init__(
        self, *, units: tuple[tuple[str, int], ...], min_value: int = 0, max_value: int, **kwargs
    ):
        self.units, self.min_value, self.max_value = units, min_value, max_value
        fields = (
            forms.IntegerField(min_value=0, error_messages={"invalid": "Enter a whole number."}),
            forms.ChoiceField(choices=[(name, name) for name, _ in units]),
        )
        kwargs.setdefault("widget", DurationInput(units))
        super().__init__(fields, require_all_fields=True, **kwargs)

    def compress(self, data_list):
        if not data_list or data_list[0] is None:
            return None
        amount, unit = data_list
        sizes = dict(self.units)
        total = amount * sizes[unit]
        if total > self.max_value:
            raise forms.ValidationError(
                f"At most {_in_largest(self.max_value, self.units)}.", code="max_value"
            )
        if total < self.min_value:
            raise forms.ValidationError(
                f"At least {_in_largest(self.min_value, self.units)}.", code="min_value"
            )
        return total


def _in_largest(total: int, units: tuple[tuple[str, int], ...]) -> str:
    for name, size in reversed(units):
        if total % size == 0:
            count = total // size
            return f"{count} {name if count != 1 else name.rstrip('s')}"
    return f"{total} {units[0][0]}"
