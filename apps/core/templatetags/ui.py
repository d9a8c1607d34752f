"""Template helpers for the house components: accessible form widgets and status badges."""

from django import forms, template

register = template.Library()


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.filter
def is_multi_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxSelectMultiple)


@register.filter
def label_for(value, choices) -> str:
    """The display label of a choice value: {{ item.category|label_for:category_labels }}."""
    return (
        dict(choices).get(value, value)
        if not hasattr(choices, "get")
        else choices.get(value, value)
    )


@register.simple_tag
def render_widget(bound_field):
    """The field's widget, tied to its hint and error text for screen readers."""
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}_hint")
    if bound_field.errors:
        described_by.append(f"{bound_field.auto_id}_error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def words(value) -> str:
    """A field name as words: due_date -> due date."""
    return str(value).replace("_", " ")
