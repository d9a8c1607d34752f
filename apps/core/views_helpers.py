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


def submit(form: forms.Form, action) -> bool:
    """Validate `form`, then call `action(cleaned_data)` (one service call). Service errors
    land on the form like its own, except a refusal of the person's rights, which goes on
    to the 403 page (ApplicationErrorMiddleware). True when everything went through."""
    return _run(form, action)[0]


def attempt(form: forms.Form, action):
    """submit() for a view that needs what the service made (the new agency, client,
    engagement...): that, or None when the form or the service said no (the reasons are on
    the form). Only for services that always return something."""
    ok, result = _run(form, action)
    return result if ok else None


def _run(form: forms.Form, action) -> tuple[bool, object]:
    result = None
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            add_service_error(form, exc)
    return not form.errors, result


def run_action(request, action, *, success: str) -> bool:
    """For a button that calls one service: `success` as a message on the next page, or the
    service's refusal as an error message there, except a refusal of rights, which goes on to
    the 403 page. True when it went through."""
    from django.contrib import messages

    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
        return True
    return False


def flash_form_errors(request, form: forms.Form) -> None:
    """For small forms posted from another page: their errors as messages on the next one."""
    from django.contrib import messages

    for field, errors in form.errors.items():
        label = ""
        if field in form.fields:
            label = form.fields[field].label or field.replace("_", " ").capitalize()
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
