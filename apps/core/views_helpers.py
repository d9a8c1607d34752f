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
