"""Helpers for HTML views: turning service errors into form errors a person can act on."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from apps.core.errors import ApplicationError


def add_service_error(form: forms.Form, exc: ValidationError | ApplicationError) -> None:
    """Copy a service's error onto the form: beside the field it names, else at the top."""
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def safe_next(request, default: str) -> str:
    """The `next` the form asked to return to, if it stays on this site; else `default`."""
    from django.utils.http import url_has_allowed_host_and_scheme

    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
