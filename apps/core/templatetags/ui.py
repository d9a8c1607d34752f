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


@register.filter
def hm(value, clock="24") -> str:
    """A time (or the time of a datetime, already in the zone to show) as the viewer reads
    it: "09:30" on a 24-hour clock, "9:30 AM" on a 12-hour one (the `clock` context)."""
    if value in (None, ""):
        return ""
    if str(clock) == "12":
        hour = value.hour % 12 or 12
        return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"  # noqa: PLR2004
    return f"{value.hour:02d}:{value.minute:02d}"


@register.filter
def zone_city(name) -> str:
    """ "Asia/Kolkata" as "Kolkata time"; "UTC" as itself."""
    from apps.core.zones import city_of  # noqa: PLC0415 - keeps the tag library light

    text = str(name or "")
    return f"{city_of(text)} time" if "/" in text else text
