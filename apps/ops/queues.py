"""The queue families, read when scraped: scans queued and running (from the database, every
agency) and, when Redis is the broker, the length of each Celery queue's list."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import redis
from django.conf import settings
from django.db import DatabaseError
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from apps.ops.selectors import scan_queue_depth

logger = logging.getLogger(__name__)


def scan_queue_families() -> Iterator[Metric]:
    try:
        depth = scan_queue_depth()
    except DatabaseError as exc:
        # A scrape still answers with everything else; the missing family is the alert.
        logger.warning("metrics: scan queue depth unreadable: %s", exc)
        return
    family = GaugeMetricFamily(
        "launchpad_scan_queue_depth",
        "Scans of every agency waiting for a worker (queued) or being worked on (running).",
        labels=["status"],
    )
    for status, count in depth.items():
        family.add_metric([status], count)
    yield family


def celery_queue_names() -> list[str]:
    routed = {
        route["queue"]
        for route in settings.CELERY_TASK_ROUTES.values()
        if isinstance(route, dict) and "queue" in route
    }
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE, *routed})


def broker_queue_families() -> Iterator[Metric]:
    url = settings.CELERY_BROKER_URL or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return
    queues = celery_queue_names()
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            # Kombu keeps a Redis queue's waiting messages in a list named after the queue.
            pipe.llen(queue)
        lengths = pipe.execute()
    except redis.RedisError as exc:
        logger.warning("metrics: broker queue lengths unreadable: %s", exc)
        return
    family = GaugeMetricFamily(
        "launchpad_celery_queue_length",
        "Messages waiting in the broker for a worker, by Celery queue (Redis broker only).",
        labels=["queue"],
    )
    for queue, length in zip(queues, lengths, strict=True):
        family.add_metric([queue], length)
    yield family
