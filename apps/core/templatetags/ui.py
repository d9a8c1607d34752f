"""Template helpers for the house components: accessible form widgets and status badges."""

import zoneinfo
from datetime import time

from django import forms, template
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


@register.simple_tag(takes_context=True)
def form_field(context, bound_field, hide_optional=None) -> SafeString:
    """One field as the house draws it: label (with "(optional)" unless the label says so or
    `hide_optional`, given here or by the including template), hint, errors tied to the
    widget, and a fieldset with a legend for a group of checkboxes.

    Drawn here rather than by an included template: forms are on every page and an
    engagement page draws sixteen of them, where the template's lookups were most of the
    time beside the widget itself (benchmarks/bench_pages.py)."""
    if hide_optional is None:
        hide_optional = bool(context.get("hide_optional"))
    label = bound_field.label
    optional = (
        mark_safe(' <span class="muted">(optional)</span>')
        if not bound_field.field.required and not hide_optional and "(optional)" not in label
        else ""
    )
    auto_id = bound_field.auto_id
    hint = (
        format_html('<p class="field__hint" id="{}_hint">{}</p>', auto_id, bound_field.help_text)
        if bound_field.help_text
        else ""
    )
    errors = format_html_join(
        "",
        '<p class="field__error" id="{}_error"><span class="visually-hidden">Error:</span> {}</p>',
        ((auto_id, error) for error in bound_field.errors),
    )
    error_class = " field--error" if bound_field.errors else ""
    if is_multi_checkbox(bound_field):
        return format_html(
            '<fieldset class="field checkbox-group{}"{}>\n<legend>{}{}</legend>\n{}{}{}\n'
            "</fieldset>",
            error_class,
            format_html(' aria-describedby="{}_hint"', auto_id) if bound_field.help_text else "",
            label,
            optional,
            hint,
            errors,
            bound_field.as_widget(),
        )
    if is_checkbox(bound_field):
        return format_html(
            '<div class="field{} field--checkbox">\n{}\n<label for="{}">{}</label>\n{}{}\n</div>',
            error_class,
            render_widget(bound_field),
            bound_field.id_for_label,
            label,
            hint,
            errors,
        )
    return format_html(
        '<div class="field{}">\n<label for="{}">{}{}</label>\n{}{}{}\n</div>',
        error_class,
        bound_field.id_for_label,
        label,
        optional,
        hint,
        errors,
        render_widget(bound_field),
    )


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
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value)
        except ValueError:
            return value
    if str(clock) == "12":
        hour = value.hour % 12 or 12
        return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"  # noqa: PLR2004
    return f"{value.hour:02d}:{value.minute:02d}"


@register.simple_tag(takes_context=True)
def when(context, value, day_format="j M Y", *, seconds=False, zone=True, tz=None) -> str:
    """A moment as the viewer reads it, on every page: the day in `day_format` (empty for
    none), the time on the viewer's clock (12- or 24-hour, the `clock` context), and the
    zone's abbreviation unless `zone=False`. In the active time zone, or in `tz`."""
    if value in (None, ""):
        return ""
    if tz:
        local = value.astimezone(zoneinfo.ZoneInfo(str(tz)))
    else:
        local = timezone.localtime(value) if timezone.is_aware(value) else value
    clock = str(context.get("clock", "24"))
    shown = hm(local, clock)
    if seconds:
        head, _, tail = shown.partition(" ")
        shown = f"{head}:{local.second:02d}" + (f" {tail}" if tail else "")
    parts = [f"{dateformat.format(local, day_format)},"] if day_format else []
    parts.append(shown)
    if zone:
        parts.append(dateformat.format(local, "T"))
    return " ".join(parts)


@register.filter
def hm_end(value, clock="24") -> str:
    """The end of a range: a midnight end is the end of the day ("24:00", "midnight")."""
    if value in (time(0), "00:00"):
        return "midnight" if str(clock) == "12" else "24:00"
    return hm(value, clock)


@register.filter
def zone_city(name) -> str:
    """ "Asia/Kolkata" as "Kolkata time"; "UTC" as itself."""
    from apps.core.zones import city_of  # noqa: PLC0415 - keeps the tag library light

    text = str(name or "")
    return f"{city_of(text)} time" if "/" in text else text
