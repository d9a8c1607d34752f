"""The API's shared pieces: one error format for every 4xx/5xx, cursor pagination, and list
filters checked like a body. The body parser is apps.core.parsers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
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


def _after(field: str, value: Any, *, descending: bool) -> tuple[Q, Q]:
    """The rows after `value` on one field, in that field's order, and the rows equal to it.
    NULL sorts first ascending and last descending, on every database (see keyset_ordering)."""
    if value is None:
        equal = Q(**{f"{field}__isnull": True})
        after = Q(pk__in=[]) if descending else Q(**{f"{field}__isnull": False})
    else:
        equal = Q(**{field: value})
        after = (
            Q(**{f"{field}__lt": value}) | Q(**{f"{field}__isnull": True})
            if descending
            else Q(**{f"{field}__gt": value})
        )
    return after, equal


class CreatedCursorPagination(CursorPagination):
    """Keyset pagination: page 1,000 costs what page 1 costs, and inserts never shift pages.
    A malformed `page_size` or `cursor` is a 400 naming it, never silently the first page.

    The cursor holds the whole sort key (every ordering field, the primary key last), and a
    page is the rows after it. DRF's own cursor holds the first field alone and counts an
    offset past rows that share it; past its offset limit (1,000) `next` gave the same page
    forever: on 9,046 engagements created in bulk only 1,050 were reachable (issue 11)."""

    ordering: str | list[str] | tuple[str, ...] = ("-created_at", "-id")
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

    def keyset_ordering(self) -> tuple[str, ...]:
        """The ordering made unique: the primary key is added (in the first field's
        direction) when the ordering does not end on it."""
        ordering = (self.ordering,) if isinstance(self.ordering, str) else tuple(self.ordering)
        if ordering[-1].lstrip("-") != "id":
            ordering += ("-id" if ordering[0].startswith("-") else "id",)
        return ordering

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        return self.keyset_ordering()

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self._model = queryset.model
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        keys = [(f.lstrip("-"), f.startswith("-") != reverse) for f in self.ordering]
        queryset = queryset.order_by(
            *(
                F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_first=True)
                for name, descending in keys
            )
        )
        self._position = self.cursor and self._values(cast(str | None, self.cursor.position))
        if self._position is not None:
            queryset = queryset.filter(self._rows_after(keys, self._position))
        rows = list(queryset[: self.page_size + 1])
        has_more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
            self.has_previous, self.has_next = has_more, True
        else:
            self.has_previous, self.has_next = self._position is not None, has_more
        return self.page

    @staticmethod
    def _rows_after(keys: list[tuple[str, bool]], values: list[Any]) -> Q:
        rows, same_so_far = Q(pk__in=[]), Q()
        for (name, descending), value in zip(keys, values, strict=True):
            after, equal = _after(name, value, descending=descending)
            rows |= same_so_far & after
            same_so_far &= equal
        return rows

    def _values(self, position: str | None) -> list[Any] | None:
        """The cursor's position as one typed value per ordering field, or a 400."""
        if position is None:
            return None
        message = "Not a cursor we gave: follow `next` or `previous` as they are."
        try:
            raw = json.loads(position)
        except ValueError:
            raw = None
        if not isinstance(raw, list) or len(raw) != len(self.ordering):
            raise exceptions.ValidationError({self.cursor_query_param: [message]})
        values = []
        for name, value in zip(self.ordering, raw, strict=True):
            field = self._model._meta.get_field(name.lstrip("-"))
            if value is not None and not isinstance(value, str):
                raise exceptions.ValidationError({self.cursor_query_param: [message]})
            try:
                values.append(None if value is None else field.to_python(value))
            except DjangoValidationError:
                raise exceptions.ValidationError({self.cursor_query_param: [message]}) from None
        return values

    def _position_of(self, instance) -> str:
        values = []
        for name in self.ordering:
            field = instance._meta.get_field(name.lstrip("-"))
            value = getattr(instance, field.attname)
            values.append(None if value is None else field.value_to_string(instance))
        return json.dumps(values)

    def _link(self, instance, *, reverse: bool) -> str:
        # DRF's stubs type a position as an int; DRF itself keeps it as the string it encodes.
        position = cast(Any, self._position_of(instance))
        return self.encode_cursor(Cursor(offset=0, reverse=reverse, position=position))

    def get_next_link(self) -> str | None:
        return self._link(self.page[-1], reverse=False) if self.has_next and self.page else None

    def get_previous_link(self) -> str | None:
        return self._link(self.page[0], reverse=True) if self.has_previous and self.page else None

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
