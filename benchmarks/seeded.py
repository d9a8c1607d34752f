"""What the engagement benchmarks measure on the seed_bench data set: one agency, its owner
and its oldest engagement with an assigned engineer. Import after django.setup()."""

from __future__ import annotations

import statistics
import sys
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.agencies.models import Agency, Membership
from apps.projects.models import Assignment


def measured(agency_slug: str) -> tuple[Agency, Membership, Assignment]:
    if connection.vendor != "postgresql":
        sys.exit("Run this on the seed_bench data in PostgreSQL (set DATABASE_URL).")
    agency = Agency.objects.get(slug=agency_slug)
    owner = Membership.objects.filter(agency=agency, role="owner").select_related("user").first()
    assignment = (
        Assignment.objects.filter(agency=agency, membership__role="engineer")
        .select_related("project", "membership__user")
        .order_by("project__created_at")
        .first()
    )
    return agency, owner, assignment


def measure(client: Client, url: str, requests: int) -> tuple[float, float, int, int]:
    """Median and p95 ms of `requests` GETs after a warm-up, the SQL queries of one more and
    its size in bytes: the server's own time, in process, without the network."""
    for _ in range(5):  # warm caches, the connection and the template loader
        client.get(url)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return statistics.median(times), p95, len(queries.captured_queries), len(response.content)
