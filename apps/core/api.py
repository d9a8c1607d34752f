"""The API's shared pieces: one error format for every 4xx/5xx, cursor pagination, and list
filters checked like a body. The body parser is apps.core.parsers."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response
from rest_framework.utils import html
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.context import current_request_id
from apps.core.errors import ApplicationError
from apps.core.ratelimit import RateLimitedError
from apps.core.textinput import forbidden_character

logger = logging.getLogger(__name__)


def error_body(*, code: str, message: str, fields: dict | None = None, status_code: int) -> dict:
    """`{"error": {...}}`: the shape of every error the API returns."""
    body = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    body["request_id"] = current_request_id()
    return {"error": body}


def _django_validation_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field if field != "__all__" else "non_field_errors": [str(m) for m in msgs]
            for field, msgs in exc.message_dict.items()
        }
    return {"non_field_errors": list(exc.messages)}


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(_flatten(d) for d in detail.values())
    return str(detail)


def exception_handler(exc, context):
    """Map every error to `error_body`: DRF's, Django's and the application's own."""
    if isinstance(exc, DjangoValidationError):
        fields = _django_validation_fields(exc)
        return Response(
            error_body(
                code="invalid",
                message="Some of the data sent is not valid.",
                fields=fields,
                status_code=400,
            ),
            status=400,
        )
    if isinstance(exc, ApplicationError):
        refusal = Response(
            error_body(code=exc.code, message=exc.message, status_code=exc.status),
            status=exc.status,
        )
        if isinstance(exc, RateLimitedError):
            refusal["Retry-After"] = str(exc.retry_after)
        return refusal
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handler and Sentry take it

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        field_errors: dict[str, Any] = (
            detail if isinstance(detail, dict) else {"non_field_errors": detail}
        )
        response.data = error_body(
            code="invalid",
            message="Some of the data sent is not valid.",
            fields=field_errors,
            status_code=response.status_code,
        )
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = "error"
        response.data = error_body(
            code=code,
            message=_flatten(getattr(exc, "detail", exc)),
            status_code=response.status_code,
        )
    return response


# --- input types ------------------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _json_type(field: serializers.Field) -> tuple[tuple[type, ...], str] | None:
    """The JSON types a writable field takes, as the schema declares them, and their name."""
    if isinstance(field, serializers.BooleanField):
        return (bool,), "true or false"
    if isinstance(field, serializers.IntegerField):
        return (int,), "a whole number"
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        return (int, float), "a number"
    if isinstance(field, serializers.ListField | serializers.MultipleChoiceField):
        return (list,), "a list"
    textual = (
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.UUIDField,
        serializers.RelatedField,
    )
    if isinstance(field, textual):
        return (str,), "a string"
    return None


def _is_uuid_field(field: serializers.Field) -> bool:
    return isinstance(field, serializers.UUIDField) or isinstance(
        getattr(field, "pk_field", None), serializers.UUIDField
    )


def _type_error(field: serializers.Field, value: Any, *, from_json: bool) -> str | None:
    if value is None and field.allow_null:
        return None
    expected = _json_type(field) if from_json else None
    if expected is not None:
        types, name = expected
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            return f"Give {name}."
    # DRF alone also takes 32 bare hex digits, braces and urn:uuid: forms. A field may name
    # words it takes instead of an id (`uuid_aliases`: "me" for the member asking).
    if (
        isinstance(value, str)
        and _is_uuid_field(field)
        and not _UUID.fullmatch(value)
        and value not in getattr(field, "uuid_aliases", ())
    ):
        return "Must be a valid UUID, as in 852f9e4f-035d-4410-9587-4ee12b4c7274."
    if from_json and isinstance(field, serializers.ListField) and isinstance(value, list):
        for item in value:
            problem = _type_error(field.child, item, from_json=True)
            if problem:
                return f"Each item: {problem[0].lower()}{problem[1:]}"
    return None


class StrictInputMixin:
    """For input serializers: a value of another JSON type than the field's is refused (DRF
    alone turns 5 into "5" for a text field and "yes" into True), and ids must be UUIDs written
    as such: the API takes what its schema says, nothing looser. Query strings, where every
    value is text, get the id check only."""

    fields: Any  # the serializer's, which this mixin joins

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):  # a JSON list or scalar: DRF's own error says so
            return super().to_internal_value(data)  # type: ignore[misc]
        from_json = not html.is_html_input(data)
        errors: dict[str, Any] = {}
        for name, field in self.fields.items():
            if field.read_only or name not in data:
                continue
            value = data[name] if from_json else data.get(name)
            problem = _type_error(field, value, from_json=from_json)
            if problem:
                errors[name] = [problem]
        try:
            values = super().to_internal_value(data)  # type: ignore[misc]
        except exceptions.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            raise exceptions.ValidationError({**detail, **errors}) from None
        if errors:
            raise exceptions.ValidationError(errors)
        return values


class InputSerializer(StrictInputMixin, serializers.Serializer):
    """The base of every serializer reading a request body or query string."""


# --- pagination -------------------------------------------------------------------------------

_PAGE_SIZE = re.compile(r"[0-9]{1,4}")


class CreatedCursorPagination(CursorPagination):
    """Keyset pagination: page 1,000 costs what page 1 costs, and inserts never shift pages.
    A malformed `page_size` or `cursor` is a 400 naming it, never silently the first page."""

    ordering: str | list[str] | tuple[str, ...] = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # an empty optional parameter is one not given, as for every filter
            return cast(int, self.page_size)  # PAGE_SIZE, set in the settings
        if not _PAGE_SIZE.fullmatch(raw) or not 1 <= int(raw) <= self.max_page_size:
            message = f"Give a whole number from 1 to {self.max_page_size}."
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def decode_cursor(self, request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:  # DRF's answer to a mangled cursor
            cursor, valid = None, False
        else:
            # Its position reaches the database, which refuses NUL in text with an error.
            valid = cursor is None or not forbidden_character(str(cursor.position or ""))
        if not valid:
            message = "Not a cursor we gave: follow `next` or `previous` as they are."
            raise exceptions.ValidationError({self.cursor_query_param: [message]})
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class OldestFirstCursorPagination(CreatedCursorPagination):
    ordering = ("created_at", "id")


if TYPE_CHECKING:
    # Only for the type checker: importing generics here at run time would make DRF's
    # settings import this module while it is half loaded (DEFAULT_PAGINATION_CLASS).
    from rest_framework import generics

    _ListView = generics.GenericAPIView
else:
    _ListView = object  # a mixin: the view it joins is the GenericAPIView


class QueryFiltersMixin(_ListView):
    """For list endpoints whose query parameters a serializer reads: an unknown or malformed
    value is a 400 in the one error format rather than silently ignored, and the parameters
    appear in the OpenAPI schema (core.schema.FilterAwareSchema) with no decorator per view."""

    filter_serializer_class: type[serializers.Serializer] | None = None

    def query_filters(self) -> dict:
        if self.filter_serializer_class is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names no filter_serializer_class.")
        filters = self.filter_serializer_class(
            data=self.request.query_params, context=self.get_serializer_context()
        )
        filters.is_valid(raise_exception=True)
        return filters.validated_data
