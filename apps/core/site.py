"""The site's absolute address, for links in emails and calendar files (built outside any
request, in a worker).

Production sets SITE_URL. In development it often is not set, and the server may listen on
another port than the default (`make run PORT=8001`): there the address of the last request
this process served stands in for it, so that a link in an email opens the server that sent
it. Only with DEBUG on and SITE_URL unset; the in-process task runner (no Redis) sends from
the same process that saw the request.
"""

from __future__ import annotations

from contextlib import suppress

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest

_seen: dict[str, str] = {}


def site_url() -> str:
    if not settings.SITE_URL_FROM_ENV and settings.DEBUG and "origin" in _seen:
        return _seen["origin"]
    return settings.SITE_URL


def remember_origin(request: HttpRequest) -> None:
    if settings.DEBUG and not settings.SITE_URL_FROM_ENV:
        # get_host() checks ALLOWED_HOSTS: a forged Host header is never remembered.
        with suppress(DisallowedHost):
            _seen["origin"] = f"{request.scheme}://{request.get_host()}"
