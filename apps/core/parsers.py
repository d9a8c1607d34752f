"""The API's one body parser (DEFAULT_PARSER_CLASSES). A module of its own: DRF's APIView
reads DEFAULT_PARSER_CLASSES when it is defined, so the parser may not live in a module that
imports DRF's views (apps.core.api does)."""

from __future__ import annotations

import json
import re

from django.conf import settings
from rest_framework import exceptions, parsers

from apps.core.textinput import find_forbidden, refusal_message

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _json_too_deep(text: str, limit: int) -> bool:
    """Whether arrays and objects in `text` nest deeper than `limit`, counted on the raw text
    (strings blanked out) so that a hostile body never reaches the recursive decoder."""
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class JSONParser(parsers.JSONParser):
    """The API's one body parser (DEFAULT_PARSER_CLASSES): JSON in UTF-8, at most
    API_MAX_BODY_BYTES long, nested at most API_MAX_JSON_DEPTH deep, with no NUL or unpaired
    surrogate in any string or key. Anything else is a 400 in the one error format before a
    serializer sees it; a form or multipart body is a 415 (the API speaks JSON only)."""

    def parse(self, stream, media_type=None, parser_context=None):  # noqa: ARG002 - DRF's
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise exceptions.ParseError(
                f"The body is larger than {limit} bytes; send less at a time.",
                code="body_too_large",
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError("The body is not valid UTF-8.") from None
        depth = settings.API_MAX_JSON_DEPTH
        if _json_too_deep(text, depth):
            raise exceptions.ParseError(
                f"The JSON nests deeper than {depth} levels.", code="too_deep"
            )
        try:
            # NaN and Infinity are not JSON, so not accepted.
            data = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        hit = find_forbidden(data)
        if hit:
            where, found = hit
            raise exceptions.ParseError(refusal_message(f"“{where}”", found), code="invalid_text")
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
