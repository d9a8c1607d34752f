"""The shared cache, degrading when Redis is away instead of failing the request.

Django's RedisCache raises on every call while Redis is unreachable, and each of its users
(allauth's sign-in limits, our abuse limits, DRF's throttles, the API token lockout) would turn
that into a 500. Nothing we keep in the cache is the only copy of anything (sessions live in
the database), so during an outage the cache behaves as Django's DummyCache does: every read
misses, every write is dropped, `add` succeeds and `incr` finds no key. The limits counted in
the cache therefore fail open while Redis is down (docs/security.md, "Redis outage"); each
error is logged, so the outage shows in the logs and on /readyz.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# Short timeouts: a request that finds Redis away waits at most this long per cache call.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def _degraded(operation: str, exc: Exception) -> None:
    logger.warning("cache %s failed, degrading: %s", operation, exc)


class DegradingRedisCache(RedisCache):
    """RedisCache whose connection errors behave as an empty cache that keeps nothing."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except redis.RedisError as exc:
            _degraded("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except redis.RedisError as exc:
            _degraded("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except redis.RedisError as exc:
            _degraded("has_key", exc)
            return False

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        # True, as DummyCache answers: callers that wait for `add` to win (allauth's lock
        # around its sign-in counters) must not spin, and a counter starts afresh.
        try:
            return super().add(key, value, timeout, version)
        except redis.RedisError as exc:
            _degraded("add", exc)
            return True

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except redis.RedisError as exc:
            _degraded("set", exc)

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except redis.RedisError as exc:
            _degraded("set_many", exc)
            return list(data)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except redis.RedisError as exc:
            _degraded("touch", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except redis.RedisError as exc:
            _degraded("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except redis.RedisError as exc:
            _degraded("delete_many", exc)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # ValueError is what a missing key raises: django-ratelimit then counts the attempt as
        # the first of its window, the API token lockout starts its count again.
        try:
            return super().incr(key, delta, version)
        except redis.RedisError as exc:
            _degraded("incr", exc)
            raise ValueError(f"Key {key!r} not found (the cache is unavailable)") from exc

    def clear(self) -> None:
        try:
            super().clear()
        except redis.RedisError as exc:
            _degraded("clear", exc)
