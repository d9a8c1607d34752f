"""Text from outside, refused when it cannot be text: NUL and lone surrogates, in JSON bodies
(`apps.core.parsers.JSONParser` walks them), query strings, form posts and paths (the
middleware below), before any view, form or database sees them; and charsets other than
UTF-8, which Django would decode with (the WSGI guard below, and the middleware).

Neither is ever meaningful: PostgreSQL refuses NUL in text columns, and a lone surrogate
(U+D800..U+DFFF, which JSON's `\\ud800` escape or an exotic declared charset can produce)
cannot be encoded as UTF-8, so the first page or answer echoing it would fail with a 500.
"""

from __future__ import annotations

import codecs
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import parse_header_parameters

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
    """(what, name, value) of every query and form field; a name is text too. The API's
    bodies are JSON, checked by its parser (and a form body there is a 415): reading one here
    would consume the stream its parser needs."""
    sources = [("The query parameter", request.GET)]
    if not _is_api(request.path_info):
        sources.append(("The form field", request.POST))
    for what, data in sources:
        for name, values in data.lists():
            for value in (name, *values):
                yield what, name, value


def charset_refusal(content_type: str) -> str | None:
    """Why the charset a Content-Type declares is refused, or None (none declared, or UTF-8)."""
    charset = parse_header_parameters(content_type)[1].get("charset")
    if charset is None:
        return None
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        name = charset
    if name in _TEXT_CHARSETS:
        return None
    return f"The charset “{charset[:40]}” is not accepted here: send text as UTF-8."


def request_refusal(request: HttpRequest) -> str | None:
    """Why the request's text cannot be taken, or None when it can."""
    message = charset_refusal(request.META.get("CONTENT_TYPE", ""))
    if message:
        return message
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
        if _is_api(request.path_info):
            body = error_body(code="invalid_text", message=message, status_code=status)
            return JsonResponse(body, status=status)
        return render(request, "errors/400.html", {"message": message}, status=status)


class CharsetGuard:
    """WSGI middleware around Django (config/wsgi.py). Django decodes the query string with
    the charset a request declares while it builds the request, before any of its own
    middleware runs, so a charset that is no text encoding (rot13, zlib) raises there: a 500
    that no error page catches. Such a request is refused here with a plain 400."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        message = charset_refusal(environ.get("CONTENT_TYPE", ""))
        if message is None:
            return self.app(environ, start_response)
        # The request never reached Django's middleware: it gets an id of its own here.
        request_id = uuid.uuid4().hex
        if _is_api(environ.get("PATH_INFO", "")):
            error = {"status": 400, "code": "invalid_text", "message": message}
            body = json.dumps({"error": {**error, "request_id": request_id}}).encode()
            content_type = "application/json"
        else:
            body = f"Bad request: {message}\n".encode()
            content_type = "text/plain; charset=utf-8"
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("X-Request-ID", request_id),
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]


def _is_api(path: str) -> bool:
    return path.startswith("/api/")
