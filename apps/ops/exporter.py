"""The Celery worker's metrics door: a small HTTP server in the worker's main process that
answers GET /metrics with the pool's numbers (added up from PROMETHEUS_MULTIPROC_DIR),
behind the same guard as the web endpoint."""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from apps.ops.guard import scraper_allowed
from apps.ops.metrics import multiprocess_mode, scrape_registry

logger = logging.getLogger(__name__)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        """Scrapes every few seconds would drown the worker's log."""


def _answer(start_response, status: str, body: bytes, content_type: str = "text/plain"):
    start_response(
        status,
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


def application(environ, start_response):
    if environ.get("PATH_INFO") != "/metrics" or not scraper_allowed(environ):
        return _answer(start_response, "404 Not Found", b"Not found.\n")
    if environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
        return _answer(start_response, "405 Method Not Allowed", b"Method not allowed.\n")
    return _answer(
        start_response, "200 OK", generate_latest(scrape_registry()), CONTENT_TYPE_LATEST
    )


def serve(port: int, host: str = "") -> WSGIServer:
    """Listen on `port` (every interface: the guard, not the address, is the door) in a daemon
    thread; returns the server so tests can stop it."""
    if not multiprocess_mode():
        logger.warning(
            "metrics: PROMETHEUS_MULTIPROC_DIR is not set, so tasks run in pool processes "
            "are not counted here; see docs/operations.md"
        )
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOW_LOOPBACK:
        logger.warning("metrics: METRICS_TOKEN is not set, so every scrape is refused")
    server = make_server(host, port, application, server_class=_Server, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True).start()
    logger.info("metrics: worker exporter listening on port %s", port)
    return server
