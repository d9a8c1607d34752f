"""The shared cache degrades when Redis is away (apps.core.cache): reads miss, writes are
dropped, and neither a signed-in page nor sign-in answers 500 (issue 11: every signed-in page
and sign-in answered 500 while Redis was down, the session store writing through the cache)."""

import logging
import os
import runpy
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from apps.core.cache import DegradingRedisCache
from tests.factories import PASSWORD, UserFactory

# Nothing listens on port 1: every call meets a refused connection, as in an outage.
DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_CACHE = {"default": {"BACKEND": "apps.core.cache.DegradingRedisCache", "LOCATION": DEAD_REDIS}}
BASE_SETTINGS = Path(django_settings.BASE_DIR) / "config" / "settings" / "base.py"


def test_without_redis_the_cache_is_an_empty_cache_that_keeps_nothing(caplog):
    cache = DegradingRedisCache(DEAD_REDIS, {})
    with caplog.at_level(logging.WARNING, logger="apps.core.cache"):
        assert cache.get("k", "default") == "default"
        assert cache.get_many(["k"]) == {}
        assert cache.has_key("k") is False
        cache.set("k", 1)
        assert cache.add("k", 1) is True
        with pytest.raises(ValueError, match="not found"):
            cache.incr("k")
        assert cache.delete("k") is False
        cache.delete_many(["k"])
        cache.clear()
    assert "cache get failed, degrading" in caplog.text


def test_production_settings_keep_sessions_in_the_database_and_use_the_degrading_cache(
    monkeypatch,
):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    values = runpy.run_path(str(BASE_SETTINGS))
    assert values["CACHES"]["default"]["BACKEND"] == "apps.core.cache.DegradingRedisCache"
    # cached_db would serve a session deleted during the outage (a sign-out) from the cache
    # once Redis is back: the database is the only store.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


@pytest.mark.django_db
def test_a_signed_in_page_answers_while_redis_is_away(settings, owner, login):
    client = login(owner)
    settings.CACHES = DEAD_CACHE
    response = client.get(reverse("profile"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_sign_in_works_while_redis_is_away(settings):
    user = UserFactory()
    settings.CACHES = DEAD_CACHE
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    # A wrong password is still a clear refusal, not a 500.
    response = Client().post(reverse("account_login"), {"login": user.email, "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session


@pytest.mark.redis
def test_with_redis_up_the_cache_counts_as_redis_does():
    cache = DegradingRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"t{uuid.uuid4().hex}"})
    assert cache.add("n", 1, timeout=30) is True
    assert cache.add("n", 1, timeout=30) is False
    assert cache.incr("n") == 2
    assert cache.get("n") == 2
    assert cache.delete("n") is True
    with pytest.raises(ValueError, match="not found"):
        cache.incr("n")
