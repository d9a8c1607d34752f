"""The operators' admin: Django's admin behind allauth's sign-in, read-mostly and audited.

`OperatorsAdminSite` lets in only active staff with a verified primary address whose sign-in
in this session used their authenticator; everyone else is sent to sign in, to enrol, or
gets a 404. `OperatorModelAdmin` is the base of every registered model: read-only unless it
names the fields an operator may change, no bulk actions, the agency shown and filterable,
and each addition, change and deletion written to the audit trail in the same transaction.
"""

# Django calls the site's and the ModelAdmin's overrides with fixed signatures (request,
# obj, extra_context, positional flags), used or not.
# ruff: noqa: ARG002, FBT001, FBT002

from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import update_wrapper
from typing import Any, ClassVar

from allauth.account.authentication import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.core.tenancy import cross_agency

# The session remembers the operator whose admin sign-in is already in the audit trail.
SIGNED_IN_SESSION_KEY = "operators_admin_signed_in"
CROSS_AGENCY_REASON = "operators admin"


class Refusal(enum.Enum):
    SIGN_IN = "sign_in"
    NOT_AN_OPERATOR = "not_an_operator"
    UNVERIFIED_EMAIL = "unverified_email"
    NO_AUTHENTICATOR = "no_authenticator"
    SIGN_IN_WITHOUT_AUTHENTICATOR = "sign_in_without_authenticator"


def _sign_in_methods(request: HttpRequest) -> list[dict[str, Any]]:
    # allauth's own record of the steps of this session's sign-in (password, mfa, ...),
    # kept in the session and bound to the signed-in user.
    return get_authentication_records(request, request.user)


def operator_refusal(request: HttpRequest) -> Refusal | None:
    """Why this request may not use the admin, or None. Remembered on the request: the
    admin asks several times per page."""
    if not hasattr(request, "_operator_refusal"):
        request._operator_refusal = _refusal(request)  # type: ignore[attr-defined]
    return request._operator_refusal  # type: ignore[attr-defined]


def _refusal(request: HttpRequest) -> Refusal | None:
    user = request.user
    if not user.is_authenticated:
        return Refusal.SIGN_IN
    if not (user.is_active and user.is_staff):
        return Refusal.NOT_AN_OPERATOR
    if not EmailAddress.objects.filter(user_id=user.pk, primary=True, verified=True).exists():
        return Refusal.UNVERIFIED_EMAIL
    if not is_mfa_enabled(user):
        return Refusal.NO_AUTHENTICATOR
    # The sign-in itself must have used the authenticator: a re-authentication later in a
    # password-only session does not count, nor does turning two-factor on after signing in.
    if not any(
        record.get("method") == "mfa" and not record.get("reauthenticated")
        for record in _sign_in_methods(request)
    ):
        return Refusal.SIGN_IN_WITHOUT_AUTHENTICATOR
    return None


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """Where each refusal sends the person, with a message that says what to do."""
    if refusal is Refusal.SIGN_IN:
        return redirect_to_login(request.get_full_path(), reverse("account_login"))
    if refusal is Refusal.NOT_AN_OPERATOR:
        # Nobody learns from the answer that an admin exists here.
        raise Http404
    if refusal is Refusal.UNVERIFIED_EMAIL:
        messages.error(
            request,
            "The operators' admin needs a verified email address: verify your primary "
            "address here, then open the admin again.",
        )
        return redirect("account_email")
    if refusal is Refusal.NO_AUTHENTICATOR:
        messages.warning(
            request,
            "The operators' admin needs two-factor authentication. Turn it on here, then "
            "sign out and sign in again with your authenticator app.",
        )
        return redirect("mfa_activate_totp")
    messages.warning(
        request,
        "Your sign-in in this browser did not use your authenticator app. Sign out, then "
        "sign in again with your password and a code to open the operators' admin.",
    )
    return redirect("account_logout")


def _record_sign_in(request: HttpRequest) -> None:
    """The first admin page of a session that passes the door is the admin sign-in."""
    user = request.user
    if request.session.get(SIGNED_IN_SESSION_KEY) == str(user.pk):
        return
    methods = sorted({str(record.get("method")) for record in _sign_in_methods(request)})
    audit_record(verb=Verb.ADMIN_LOGIN, actor=user, changes={"methods": methods})
    request.session[SIGNED_IN_SESSION_KEY] = str(user.pk)


class OperatorsAdminSite(admin.AdminSite):
    site_header = "Launchpad operators"
    site_title = "Launchpad operators"
    index_title = "Operators' admin"
    site_url = "/"

    def has_permission(self, request: HttpRequest) -> bool:
        return operator_refusal(request) is None

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        """Every admin page: the door first, then the view inside the cross-agency scope
        (row-level security shows the admin every agency's rows), rendered there too."""

        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refusal = operator_refusal(request)
            if refusal is not None:
                return refusal_response(request, refusal)
            with cross_agency(CROSS_AGENCY_REASON):
                _record_sign_in(request)
                response = view(request, *args, **kwargs)
                # A TemplateResponse renders after the view returns, outside this block;
                # the lists read their rows while rendering, so render here.
                if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                    response.render()
                return response

        if not cacheable:
            inner = never_cache(inner)
        if not getattr(view, "csrf_exempt", False):
            inner = csrf_protect(inner)
        return update_wrapper(inner, view)

    # Signing in, out and changing the password are allauth's: one door, with its rate
    # limits, email verification, two-factor step and audit trail.
    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        index = reverse("admin:index", current_app=self.name)
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = index
        refusal = operator_refusal(request)
        if refusal is Refusal.SIGN_IN:
            return redirect_to_login(target, reverse("account_login"))
        if refusal is not None:
            return refusal_response(request, refusal)
        return HttpResponseRedirect(target)

    def logout(self, request: HttpRequest, extra_context: Any = None) -> Any:
        return redirect("account_logout")

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> Any:
        return redirect("account_change_password")

    def password_change_done(self, request: HttpRequest, extra_context: Any = None) -> Any:
        return redirect("account_change_password")


def _plain(value: Any) -> Any:
    """A form value as the audit trail stores it (JSON): rows by id, the rest as text."""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted((_plain(item) for item in value), key=str)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _has_agency(model: type[models.Model]) -> bool:
    return any(field.name == "agency" for field in model._meta.concrete_fields)


class OperatorModelAdmin(admin.ModelAdmin):
    """Read-mostly: every field shown read-only except `editable_fields`; `secret_fields`
    are never shown; adding and deleting only where `may_add`/`may_delete` say so; no bulk
    actions. Changes go to the audit trail instead of Django's LogEntry, so there is one
    trail (and one place a person's data has to be erased from)."""

    editable_fields: ClassVar[tuple[str, ...]] = ()
    secret_fields: ClassVar[tuple[str, ...]] = ()
    may_add: ClassVar[bool] = False
    may_delete: ClassVar[bool] = False
    # Fields only a superuser may change (staff rights: no one grants themselves more).
    superuser_fields: ClassVar[tuple[str, ...]] = ()

    actions = None
    list_per_page = 50
    # The full count is one more COUNT(*) over a table of every agency, on every page.
    show_full_result_count = False

    # --- what is shown ----------------------------------------------------------------
    def get_fields(self, request: HttpRequest, obj: models.Model | None = None) -> Any:
        meta = self.model._meta
        return [
            field.name
            for field in [*meta.concrete_fields, *meta.many_to_many]
            if field.name not in self.secret_fields
        ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: models.Model | None = None
    ) -> list[str]:
        editable = set(self.editable_fields)
        if not getattr(request.user, "is_superuser", False):
            editable -= set(self.superuser_fields)
        return [name for name in self.get_fields(request, obj) if name not in editable]

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = list(super().get_list_display(request))
        if _has_agency(self.model) and "agency" not in shown:
            shown.append("agency")
        return shown

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if _has_agency(self.model) and "agency" not in filters:
            filters.append("agency")
        return filters

    def get_list_select_related(self, request: HttpRequest) -> Any:
        if self.list_select_related is True:
            return True
        related = list(self.list_select_related or [])
        if _has_agency(self.model) and "agency" not in related:
            related.append("agency")
        return related

    # --- what may be done -------------------------------------------------------------
    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may_add and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(self.editable_fields) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_delete and super().has_delete_permission(request, obj)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        """An object's history is its audit trail (every event names its target's id)."""
        changelist = reverse("admin:audit_auditevent_changelist", current_app=self.admin_site.name)
        return HttpResponseRedirect(f"{changelist}?{urlencode({'q': object_id})}")

    # --- the audit trail --------------------------------------------------------------
    def audit_agency(self, obj: models.Model) -> models.Model | None:
        """The agency an event about `obj` belongs to (shown in that agency's audit log)."""
        return getattr(obj, "agency", None) if _has_agency(type(obj)) else None

    def construct_change_message(
        self,
        request: HttpRequest,
        form: Any,
        formsets: Any,
        add: bool = False,
    ) -> Any:
        """The changed fields, old and new, as the services record them. The admin hands
        this to log_addition/log_change (it is its "message"); no admin here has inlines."""
        return {
            name: [
                None if add else _plain(form.initial.get(name)),
                _plain(form.cleaned_data.get(name)),
            ]
            for name in form.changed_data
        }

    def _audit(self, request: HttpRequest, verb: Verb, obj: models.Model, changes: dict) -> None:
        audit_record(
            verb=verb,
            actor=request.user,
            agency=self.audit_agency(obj),
            target=obj,
            changes=changes,
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, Verb.ADMIN_ADDED, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if message:  # saved without a change: nothing happened
            self._audit(request, Verb.ADMIN_CHANGED, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Iterable[Any]) -> Any:
        for obj in queryset:
            self._audit(request, Verb.ADMIN_DELETED, obj, {})
