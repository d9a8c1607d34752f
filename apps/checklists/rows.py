"""What every checklist row draws alike, built once per page instead of once per row: the
status choices as HTML (one string per status; a row takes the one with its own status
selected) and the CSRF field. An engagement page draws up to 400 rows, and these two were
most of the template's time per row (benchmarks/bench_pages.py)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.checklists.models import ItemStatus, ProjectItem

CLOSED = (ItemStatus.DONE, ItemStatus.NOT_APPLICABLE)


@cache
def status_options(selected: str) -> SafeString:
    """The status <option>s with `selected` chosen (the choices are fixed in code)."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if value == selected else "", label)
            for value, label in ItemStatus.choices
        ),
    )


def prepare_rows(
    request: HttpRequest, items: Iterable[ProjectItem], *, chosen_status: str = ""
) -> dict[str, SafeString]:
    """Gives each row its status options and whether it is overdue; returns the context
    the rows share. A refused change shows the status that was chosen (`chosen_status`), so
    that its reason can follow it."""
    today = timezone.localdate()
    for item in items:
        item.status_options = status_options(chosen_status or item.status)  # type: ignore[attr-defined]
        item.is_overdue = bool(  # type: ignore[attr-defined]
            item.due_date and item.due_date < today and item.status not in CLOSED
        )
    return {
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
    }
