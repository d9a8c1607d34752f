"""The OpenAPI schema class (DEFAULT_SCHEMA_CLASS) and the hook that documents the error
answers of every operation. A module of its own: drf-spectacular's AutoSchema imports DRF's
generic views, which read the pagination class in apps.core.api."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

ERROR_COMPONENT = "Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every 4xx and 5xx answer: see docs/api.md, Errors.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, again."},
                "code": {
                    "type": "string",
                    "description": "What went wrong, for programs: `invalid`, `parse_error`, "
                    "`not_found`, `slot_taken`, ...",
                },
                "message": {"type": "string", "description": "What went wrong, for people."},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Only for `invalid`: each field (or query parameter, or "
                    "`non_field_errors`) with its problems.",
                },
                "request_id": {
                    "type": "string",
                    "description": "Quote it when asking for help: it finds the request in "
                    "the logs.",
                },
            },
            "required": ["status", "code", "message", "request_id"],
        }
    },
    "required": ["error"],
}

_DESCRIPTIONS = {
    "400": "The request is not valid: a body or query parameter (`invalid`, with `fields`), "
    "JSON that does not parse or is too large or too deep (`parse_error`, `body_too_large`, "
    "`too_deep`), text holding NUL or an unpaired surrogate (`invalid_text`), or a rule the "
    "data breaks (its own `code`).",
    "401": "No credentials, or a token that is malformed, unknown, expired or revoked.",
    "403": "The member's role does not allow this (`permission_denied`).",
    "404": "Nothing at this address that you may see (another agency's objects included).",
    "415": "The body is not JSON (`unsupported_media_type`).",
    "429": "Too many requests (`throttled`); `Retry-After` says how many seconds to wait.",
}


def _blank_allowed_by_model(field: serializers.Field) -> bool:
    """Whether a read-only field of a ModelSerializer shows a model field that may be "":
    DRF drops `allow_blank` from read-only fields, so the schema would forbid a value the
    answers carry (an empty website, no platform)."""
    meta = getattr(field.parent, "Meta", None)
    model = getattr(meta, "model", None)
    source = field.source
    if model is None or not source or "." in source or source == "*":
        return False
    try:
        model_field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, models.CharField | models.TextField) and model_field.blank


class FilterAwareSchema(AutoSchema):
    """drf-spectacular's schema, plus a list view's `filter_serializer_class` as the GET
    query parameters, and "" allowed wherever the answers may carry it."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        filters = getattr(self.view, "filter_serializer_class", None)
        if filters is not None and self.method == "GET":
            return [*parameters, filters]
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        for field in serializer.fields.values():
            if (
                field.read_only
                and hasattr(field, "allow_blank")
                and not field.allow_blank
                and _blank_allowed_by_model(field)
            ):
                # The schema is built from this instance's fields, made for this call only.
                field.allow_blank = True
        return super()._map_basic_serializer(serializer, direction)


def _error_statuses(path: str, operation: dict[str, Any], *, public: bool) -> list[str]:
    statuses = ["400"]
    if not public:
        statuses += ["401", "403"]
    if "{" in path:
        statuses.append("404")
    if "requestBody" in operation:
        statuses.append("415")
    statuses.append("429")
    return statuses


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the error answers it
    can give (400, 401 and 403 where credentials count, 404 where the path names something,
    415 where it takes a body, 429), each with the one error body. Answers an operation
    documents itself (a 409 with its slots) are kept. An optional query parameter may be
    sent empty, which means not given."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, item in result.get("paths", {}).items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    # `?status=` means "not given", as an HTML form sends an unset field.
                    parameter["allowEmptyValue"] = True
            public = operation.get("security") == [{}] or not operation.get("security")
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path, operation, public=public):
                responses.setdefault(
                    status,
                    {
                        "description": _DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
