"""Counts every request by its URL name (never the raw path) and status, and times it."""

from __future__ import annotations

import time

from django.conf import settings

from apps.ops.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS

# Any other method a client invents is counted as "other": labels stay a fixed set.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        # "namespace:url_name", or the view's dotted path for an unnamed route.
        return match.view_name
    if request.path.startswith(settings.STATIC_URL):
        return "<static>"  # WhiteNoise answers these before URL resolution
    return "<unresolved>"


class RequestMetricsMiddleware:
    """First in MIDDLEWARE, so the time covers every other middleware and the status is the
    one the client gets. A streamed response is timed to its first byte."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_label(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        HTTP_REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        HTTP_REQUEST_DURATION.labels(view=view, method=method).observe(elapsed)
        return response
