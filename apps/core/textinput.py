"""Text from outside, refused when it cannot be text: NUL and lone surrogates, in JSON bodies
(`apps.core.api.JSONParser` walks them), query strings, form posts and paths (the middleware
below), before any view, form or database sees them.

Neither is ever meaningful: PostgreSQL refuses NUL in text columns, and a lone surrogate
(U+D800..U+DFFF, which JSON's `\\ud800` escape or an exotic declared charset can produce)
cannot be encoded as UTF-8, so the first page or answer echoing it would fail with a 500.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
# Browsers send our forms as UTF-8; any other declared charset (rot13 and zlib pass Django's
# check, unicode_escape turns `\ud800` into a surrogate) is refused rather than decoded.
_TEXT_CHARSETS = {"utf-8", "ascii"}


def forbidden_character(value: str) -> str | None:
    """A description of the first character of `value` that text may not hold, if any."""
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    char = match.group()
    kind = "a NUL character" if char == "\x00" else "an unpaired surrogate"
    return f"{kind} (U+{ord(char):04X})"


def refusal_message(where: str, found: str) -> str:
    return f"{where} contains {found}, which text cannot hold. Remove it and send it again."


def find_forbidden(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first (location, description) of a forbidden character in parsed JSON: in any
    string, object key included. `data` is already depth-limited by the parser."""
    if isinstance(data, str):
        found = forbidden_character(data)
        return (path or "the body", found) if found else None
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            found = forbidden_character(key)
            if found:
                return (f"a key of {path or 'the body'}", found)
            hit = find_forbidden(value, where)
            if hit:
                return hit
    elif isinstance(data, list):
        for index, value in enumerate(data):
            hit = find_forbidden(value, f"{path}[{index}]")
            if hit:
                return hit
    return None


def _query_items(request: HttpRequest) -> Iterator[tuple[str, str, str]]:
    """(what, name, value) of every query and form field; a name is text too."""
    for what, data in (("The query parameter", request.GET), ("The form field", request.POST)):
        for name, values in data.lists():
            for value in (name, *values):
                yield what, name, value


def request_refusal(request: HttpRequest) -> str | None:
    """Why the request's text cannot be taken, or None when it can."""
    charset = (request.encoding or "utf-8").strip()
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        name = charset
    if name not in _TEXT_CHARSETS:
        return f"The charset “{charset[:40]}” is not accepted here: send text as UTF-8."
    found = forbidden_character(request.path_info)
    if found:
        return refusal_message("The address", found)
    for what, name, value in _query_items(request):
        found = forbidden_character(value)
        if found:
            shown = "?" if forbidden_character(name) else name[:40]
            return refusal_message(f"{what} “{shown}”", found)
    return None


class TextInputMiddleware:
    """Answers 400 (the API's error body under /api/, the error page elsewhere) to a request
    whose path, query string or form fields carry text that cannot be text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        message = request_refusal(request)
        if message is None:
            return self.get_response(request)
        # apps.core.api imports this module's checks for the JSON parser, so not at the top.
        from apps.core.api import error_body  # noqa: PLC0415

        status = HTTPStatus.BAD_REQUEST
        if request.path_info.startswith("/api/"):
            body = error_body(code="invalid_text", message=message, status_code=status)
            return JsonResponse(body, status=status)
        return render(request, "errors/400.html", {"message": message}, status=status)
