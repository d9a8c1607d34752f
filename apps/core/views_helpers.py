"""Helpers for HTML views: turning service errors into form errors a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.errors import ApplicationError

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one service call came to: what it returned, or the error it refused with."""

    value: T | None = None
    error: ValidationError | ApplicationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        """The refusal in words a person can act on ("" when it went through)."""
        if isinstance(self.error, ApplicationError):
            return self.error.message
        return " ".join(self.error.messages) if self.error is not None else ""

    @property
    def status(self) -> int:
        """The HTTP status of a page that shows the refusal."""
        if isinstance(self.error, ApplicationError):
            return self.error.status
        return 200 if self.error is None else 400


def call(action: Callable[[], T], *, denial_in_place: bool = False) -> Outcome[T]:
    """Call one service for a view that shows its refusal itself (a page of its own, an
    htmx row). A refusal of rights goes on to the 403 page, unless `denial_in_place`: for
    pages that show every refusal where it happened."""
    try:
        return Outcome(value=action())
    except ValidationError as exc:
        return Outcome(error=exc)
    except ApplicationError as exc:
        if exc.status == HTTPStatus.FORBIDDEN and not denial_in_place:
            raise
        return Outcome(error=exc)


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


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` the form asked to return to, if it stays on this site; else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


FormAction = Callable[[dict[str, Any]], T]


def submit(form: forms.Form, action: FormAction[object], *, denial_in_place: bool = False) -> bool:
    """Validate `form`, then call `action(cleaned_data)` (one service call). Service errors
    land on the form like its own, except a refusal of the person's rights, which goes on
    to the 403 page (ApplicationErrorMiddleware; see call()). True when everything went
    through."""
    return _run(form, action, denial_in_place=denial_in_place)[0]


def attempt(form: forms.Form, action: FormAction[T], *, denial_in_place: bool = False) -> T | None:
    """submit() for a view that needs what the service made (the new agency, client,
    engagement...): that, or None when the form or the service said no (the reasons are on
    the form). Only for services that always return something."""
    ok, result = _run(form, action, denial_in_place=denial_in_place)
    return result if ok else None


def _run(
    form: forms.Form, action: FormAction[T], *, denial_in_place: bool
) -> tuple[bool, T | None]:
    if not form.is_valid():
        return False, None
    outcome = call(lambda: action(form.cleaned_data), denial_in_place=denial_in_place)
    if outcome.error is not None:
        add_service_error(form, outcome.error)
    return not form.errors, outcome.value


def run_action(
    request: HttpRequest,
    action: Callable[[], object],
    *,
    success: str,
    denial_in_place: bool = False,
) -> bool:
    """For a button that calls one service: `success` as a message on the next page, or the
    service's refusal as an error message there, except a refusal of rights, which goes on to
    the 403 page (see call()). True when it went through."""
    outcome = call(action, denial_in_place=denial_in_place)
    if outcome.ok:
        messages.success(request, success)
    else:
        messages.error(request, outcome.message)
    return outcome.ok


def _form_errors(form: forms.Form) -> list[str]:
    """Each error of `form` as a sentence, named by its field's label."""
    found: list[str] = []
    for field, errors in form.errors.items():
        label = ""
        if field in form.fields:
            label = str(form.fields[field].label or field.replace("_", " ").capitalize())
        found.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return found


def flash_form_errors(request: HttpRequest, form: forms.Form) -> None:
    """For small forms posted from another page: their errors as messages on the next one."""
    for error in _form_errors(form):
        messages.error(request, error)


def form_errors_text(form: forms.Form) -> str:
    """`form`'s errors in one message, for an action that changed nothing because of them."""
    return " ".join(_form_errors(form))
