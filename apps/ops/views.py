"""The Prometheus endpoint. Refused (404, like a page that does not exist) unless the scraper
holds the token or is allowed in as a local process (guard.scraper_allowed)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from apps.ops.guard import scraper_allowed
from apps.ops.metrics import scrape_registry
from apps.ops.queues import broker_queue_families, scan_queue_families


@csrf_exempt  # a bearer token, not a cookie, authorises it; and it writes nothing
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    # The door comes before the method check: a refused POST answers as a refused GET.
    if not scraper_allowed(request.META):
        raise Http404
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    registry = scrape_registry(scan_queue_families, broker_queue_families)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
