"""core.ratelimit: N/period rates (several with commas) counted per scope and identity, the
seconds to wait once over, identities kept out of the cache, and the same counts in Redis."""

import os
import uuid

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from apps.core.ratelimit import hit

REQUEST = RequestFactory().post("/")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("django_ratelimit.core.time", clock)
    return clock


def test_every_rate_of_a_list_counts_and_the_tightest_says_how_long(clock):
    waits = [hit(REQUEST, scope="t", ident="a", rates="3/m, 4/h") for _ in range(5)]
    assert waits[:3] == [None, None, None]
    assert 0 < waits[3] <= 61  # the minute's limit
    assert waits[4] > 61  # by now the hour's too
    # Waiting what the minute's refusal said lets the next attempt through that rate.
    clock.now += waits[3]
    assert hit(REQUEST, scope="t", ident="a", rates="3/m") is None


def test_scopes_and_identities_count_apart(clock):
    for _ in range(2):
        hit(REQUEST, scope="one", ident="a", rates="2/h")
    assert hit(REQUEST, scope="one", ident="a", rates="2/h") is not None
    assert hit(REQUEST, scope="one", ident="b", rates="2/h") is None
    assert hit(REQUEST, scope="two", ident="a", rates="2/h") is None


def test_no_address_or_email_is_written_into_the_cache(clock):
    from django.core.cache import cache

    hit(REQUEST, scope="booking:email", ident="fran@acme.test", rates="5/h")
    keys = list(cache._cache)  # the local memory cache of the test settings
    assert keys
    assert not any("fran" in key or "acme" in key for key in keys)


@pytest.mark.redis
def test_the_counts_live_in_redis_shared_by_every_process(clock):
    config = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        # A prefix of this test's own: nothing else in the shared Redis is read or cleared.
        "KEY_PREFIX": f"test-ratelimit-{uuid.uuid4().hex[:8]}",
    }
    with override_settings(CACHES={"default": config}):
        try:
            ident = uuid.uuid4().hex
            assert [hit(REQUEST, scope="r", ident=ident, rates="2/h") for _ in range(2)] == [
                None,
                None,
            ]
            # Another process is another connection: a fresh client sees the same count.
            caches["default"].close()
            assert hit(REQUEST, scope="r", ident=ident, rates="2/h") is not None
        finally:
            # Only this test's keys: clear() would empty the whole Redis database.
            client = caches["default"]._cache.get_client(write=True)
            for key in client.scan_iter(f"{config['KEY_PREFIX']}:*"):
                client.delete(key)
