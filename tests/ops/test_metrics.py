"""Prometheus metrics (issue 10, item 9): requests by view and status with latency histograms,
Celery task outcomes and durations, the scan queue depth, and an endpoint that only a
scraper holding the token (or, when allowed, a local one) can read."""

from __future__ import annotations

import os
import uuid

import pytest
from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from apps.core.tenancy import cross_agency
from apps.ops.selectors import scan_queue_depth
from apps.projects.models import Project
from apps.scans.models import Scan
from tests.factories import AgencyFactory, ClientFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-" + "x" * 32
OUTSIDE = "203.0.113.7"  # TEST-NET-3: an address from outside


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOW_LOOPBACK = False
    return TOKEN


def scrape(**headers) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, read by a scraper from outside holding the token."""
    response = Client(REMOTE_ADDR=OUTSIDE).get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers
    )
    assert response.status_code == 200, response.content[:300]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before, after, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


# --- Requests ----------------------------------------------------------------------------


def test_requests_are_counted_by_view_name_and_status(metrics_token):
    before = scrape()
    client = Client()
    client.get("/healthz")
    client.get("/healthz")
    client.post("/healthz")  # 405 from require_GET
    after = scrape()

    ok = {"view": "healthz", "method": "GET", "status": "200"}
    refused = {"view": "healthz", "method": "POST", "status": "405"}
    assert moved(before, after, "launchpad_http_requests_total", **ok) == 2
    assert moved(before, after, "launchpad_http_requests_total", **refused) == 1


def test_unresolved_paths_share_one_label_never_the_raw_path(metrics_token):
    before = scrape()
    raw = f"/~nothing-here-{uuid.uuid4().hex}"
    assert Client().get(raw).status_code == 404
    after = scrape()

    labels = {"view": "<unresolved>", "method": "GET", "status": "404"}
    assert moved(before, after, "launchpad_http_requests_total", **labels) == 1
    assert not any(raw[1:] in str(key) for key in after)


def test_unknown_methods_share_one_label(metrics_token):
    before = scrape()
    Client().generic("BREW", "/healthz")
    after = scrape()
    labels = {"view": "healthz", "method": "other", "status": "405"}
    assert moved(before, after, "launchpad_http_requests_total", **labels) == 1
    assert not any("BREW" in str(key) for key in after)


def test_latency_histogram_has_buckets_per_view(metrics_token):
    before = scrape()
    Client().get("/healthz")
    after = scrape()

    labels = {"view": "healthz", "method": "GET"}
    name = "launchpad_http_request_duration_seconds"
    assert moved(before, after, f"{name}_count", **labels) == 1
    buckets = sorted(
        float(dict(key[1])["le"])
        for key in after
        if key[0] == f"{name}_bucket"
        and dict(key[1])["view"] == "healthz"
        and dict(key[1])["method"] == "GET"
    )
    assert len(buckets) > 5
    assert buckets[-1] == float("inf")
    assert value(after, f"{name}_bucket", le="+Inf", **labels) == value(
        after, f"{name}_count", **labels
    )


# --- Celery tasks ------------------------------------------------------------------------


@shared_task(name="tests.ops.metrics_succeeds")
def metrics_succeeds() -> str:
    return "ok"


@shared_task(name="tests.ops.metrics_fails")
def metrics_fails() -> None:
    raise ValueError("this task always fails")


@shared_task(bind=True, name="tests.ops.metrics_retries", max_retries=1)
def metrics_retries(self) -> str:
    if self.request.retries < 1:
        raise self.retry(countdown=0)
    return "ok on the second try"


def test_task_runs_record_their_outcome_and_duration(metrics_token):
    before = scrape()
    metrics_succeeds.delay()
    with pytest.raises(ValueError, match="always fails"):
        metrics_fails.delay()
    after = scrape()

    ok = {"task": "tests.ops.metrics_succeeds", "queue": "default"}
    failed = {"task": "tests.ops.metrics_fails", "queue": "default"}
    assert moved(before, after, "launchpad_celery_tasks_total", outcome="success", **ok) == 1
    assert moved(before, after, "launchpad_celery_tasks_total", outcome="failure", **failed) == 1
    assert moved(before, after, "launchpad_celery_tasks_total", outcome="success", **failed) == 0
    assert moved(before, after, "launchpad_celery_task_duration_seconds_count", **ok) == 1
    assert moved(before, after, "launchpad_celery_task_duration_seconds_count", **failed) == 1


def test_a_retry_is_its_own_outcome(metrics_token):
    before = scrape()
    # Without eager propagation the tracer handles the Retry as a worker does.
    metrics_retries.apply(throw=False)
    after = scrape()
    labels = {"task": "tests.ops.metrics_retries", "queue": "default"}

    outcomes = [
        moved(before, after, "launchpad_celery_tasks_total", outcome=outcome, **labels)
        for outcome in ("retry", "success", "failure")
    ]
    assert outcomes == [1, 1, 0]


def test_an_in_process_run_is_labelled_with_the_queue_its_route_names(metrics_token):
    from apps.scans.tasks import run_scan

    labels = {"task": "apps.scans.tasks.run_scan", "queue": "scans", "outcome": "failure"}
    before = value(scrape(), "launchpad_celery_tasks_total", **labels)
    with pytest.raises(ObjectDoesNotExist):
        run_scan.delay(agency_id=str(uuid.uuid4()), scan_id=str(uuid.uuid4()))
    assert value(scrape(), "launchpad_celery_tasks_total", **labels) - before == 1


# --- Scan queue depth --------------------------------------------------------------------


def _scan(agency, status: str) -> Scan:
    project = Project.objects.create(
        agency=agency, client=ClientFactory(agency=agency), name=f"App {uuid.uuid4().hex[:6]}"
    )
    return Scan.objects.create(
        agency=agency, project=project, repository_url="https://example.com/a.git", status=status
    )


def test_queue_depth_counts_queued_and_running_scans_of_every_agency(metrics_token):
    empty = scrape()
    assert value(empty, "launchpad_scan_queue_depth", status="queued") == 0
    assert value(empty, "launchpad_scan_queue_depth", status="running") == 0
    assert ("launchpad_scan_queue_depth", (("status", "queued"),)) in empty

    first, second = AgencyFactory(), AgencyFactory()
    _scan(first, Scan.Status.QUEUED)
    _scan(second, Scan.Status.QUEUED)
    _scan(second, Scan.Status.RUNNING)
    _scan(first, Scan.Status.SUCCEEDED)
    _scan(first, Scan.Status.FAILED)

    samples = scrape()
    assert value(samples, "launchpad_scan_queue_depth", status="queued") == 2
    assert value(samples, "launchpad_scan_queue_depth", status="running") == 1
    assert ("launchpad_scan_queue_depth", (("status", "succeeded"),)) not in samples


@pytest.mark.rls
def test_queue_depth_spans_agencies_under_row_level_security(metrics_token):
    """On PostgreSQL the scrape sees other agencies' scans only through cross_agency: the
    request's own scope belongs to no agency."""
    with cross_agency("test data"):
        _scan(AgencyFactory(), Scan.Status.QUEUED)
        _scan(AgencyFactory(), Scan.Status.QUEUED)
    assert value(scrape(), "launchpad_scan_queue_depth", status="queued") == 2
    assert scan_queue_depth() == {"queued": 2, "running": 0}


@pytest.mark.redis
def test_queue_length_reads_the_broker_list_when_redis_is_the_broker(metrics_token, settings):
    import redis

    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.lpush(queue, "one", "two", "three")
    try:
        samples = scrape()
    finally:
        broker.delete(queue)
    assert value(samples, "launchpad_celery_queue_length", queue=queue) == 3
    assert ("launchpad_celery_queue_length", (("queue", "scans"),)) in samples


def test_no_queue_length_without_a_redis_broker(metrics_token, settings):
    settings.CELERY_BROKER_URL = "memory://"
    samples = scrape()
    assert not any(name == "launchpad_celery_queue_length" for name, _ in samples)


# --- Who may read it ---------------------------------------------------------------------


def test_refused_from_outside_without_a_token(metrics_token):
    response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics")
    assert response.status_code == 404
    assert b"launchpad_" not in response.content


def test_accepted_with_the_token(metrics_token):
    response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"launchpad_http_requests_total" in response.content


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer ",
        "Bearer",
        f"Basic {TOKEN}",
        TOKEN,
        f"Bearer {TOKEN} {TOKEN}",
        "Bearer \u00e9t\u00e9",
        "Bearer \ud800",
        "Bearer metrics\x00",
    ],
)
def test_a_wrong_or_malformed_token_is_refused(metrics_token, header):
    response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 404
    assert b"launchpad_" not in response.content


def test_the_scheme_is_case_insensitive(metrics_token):
    response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION=f"bearer {TOKEN}")
    assert response.status_code == 200


def test_no_token_configured_means_no_bearer_gets_in(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOW_LOOPBACK = False
    for header in ("Bearer ", "Bearer", ""):
        response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION=header)
        assert response.status_code == 404


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_without_a_token_is_refused_unless_allowed(settings, address):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOW_LOOPBACK = False
    assert Client(REMOTE_ADDR=address).get("/metrics").status_code == 404
    settings.METRICS_ALLOW_LOOPBACK = True
    assert Client(REMOTE_ADDR=address).get("/metrics").status_code == 200


def test_a_proxied_request_is_never_taken_for_a_local_one(settings):
    """A reverse proxy on the same machine connects from 127.0.0.1 on behalf of anyone."""
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOW_LOOPBACK = True
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_X_FORWARDED_FOR=OUTSIDE)
    assert response.status_code == 404
    settings.NUM_PROXIES = 1
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404


def test_outside_addresses_are_refused_even_when_loopback_is_allowed(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOW_LOOPBACK = True
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="10.0.0.5").get("/metrics").status_code == 404


def test_never_cached_no_session_no_csrf(metrics_token):
    client = Client(REMOTE_ADDR=OUTSIDE, enforce_csrf_checks=True)
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    # A write is not a thing this endpoint does: 405, not a CSRF 403 or a session.
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405
    assert not response.cookies


def test_a_refused_write_looks_like_a_refused_read(metrics_token):
    response = Client(REMOTE_ADDR=OUTSIDE).post("/metrics")
    assert response.status_code == 404
