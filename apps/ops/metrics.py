"""The metric families Launchpad records, and the registry a scrape reads.

Under gunicorn and Celery's prefork pool every process counts on its own; with
PROMETHEUS_MULTIPROC_DIR set (before prometheus_client is first imported) each writes its
numbers to a file there and a scrape adds all the files up (docs/operations.md, "Metrics").
Only counters and histograms live in those files: what a scrape must see as it is now (the
scan queue) is read at scrape time by a collector instead of kept in a gauge.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from apps.ops import multiproc

# Labels are names from fixed sets (URL names, task names, queues, status codes), never
# anything a client sends, so the number of series stays bounded.
HTTP_REQUESTS = Counter(
    "launchpad_http_requests",
    "Requests answered, by URL name, method and status code.",
    ["view", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "launchpad_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by URL name.",
    ["view", "method"],
)
CELERY_TASKS = Counter(
    "launchpad_celery_tasks",
    "Task runs by task name, queue and outcome (success, failure, retry).",
    ["task", "queue", "outcome"],
)
CELERY_TASK_DURATION = Histogram(
    "launchpad_celery_task_duration_seconds",
    "Time a task ran, whatever its outcome, by task name and queue.",
    ["task", "queue"],
    # Tasks run from milliseconds (an email) to the scan's ten-minute limit.
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, float("inf")),
)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(multiproc.ENV))


class LiveCollector:
    """Families computed when scraped, from a function returning them."""

    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterable[Metric]:
        return self._collect()


def scrape_registry(*live: Callable[[], Iterable[Metric]]) -> CollectorRegistry:
    """What one scrape reads: every process's counters (or this process's, outside
    multiprocess mode) and the families `live` computes now."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_mode():
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    for collect in live:
        registry.register(LiveCollector(collect))
    return registry
