"""Liveness and readiness probes for load balancers and orchestrators."""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process is up and serving requests; touches nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("readyz: database unreachable: %s", exc)
        return "unreachable"
    return None


def _check_redis() -> str | None:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError as exc:
        logger.warning("readyz: redis unreachable: %s", exc)
        return "unreachable"
    return None


# What /readyz checks, by what its failure means (docs/operations.md, "Health"): without the
# database this instance can serve nothing, so it is unfit (503, pull it from the load
# balancer); without Redis it still serves every page, degraded (the cache keeps nothing),
# and pulling it from the load balancer would take down what still works: 200, named.
_UNFIT_WITHOUT = ("database",)


@never_cache
@require_GET
def readyz(request):
    """Ready for traffic: 503 when the database does not answer; 200 otherwise, "degraded"
    and naming Redis when it does not answer."""
    checks = {"database": _check_database() or "ok"}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis() or "ok"
    failing = [name for name, state in checks.items() if state != "ok"]
    unfit = any(name in _UNFIT_WITHOUT for name in failing)
    degraded = [name for name in failing if name not in _UNFIT_WITHOUT]
    body: dict[str, object] = {
        "status": "unavailable" if unfit else "degraded" if degraded else "ok",
        "checks": checks,
    }
    if degraded:
        body["degraded"] = degraded
    return JsonResponse(body, status=503 if unfit else 200)
