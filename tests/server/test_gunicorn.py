"""The product behind gunicorn with two workers, the cache in Redis: probes answer, and the
sign-in rate limit holds across workers because its counters live in Redis."""

import os
import re
import urllib.parse
import urllib.request

import pytest
import redis
from allauth.account.models import EmailAddress

from apps.accounts.models import User
from tests.server.conftest import http_ok
from tests.support.gunicorn import production_env, start_gunicorn
from tests.support.server import SERVER_TEST_MARKS

pytestmark = SERVER_TEST_MARKS


@pytest.fixture
def gunicorn(processes, tmp_path):
    return start_gunicorn(processes, tmp_path, env=production_env())


def test_probes_answer_through_gunicorn(gunicorn):
    base, _ = gunicorn
    assert http_ok(base + "/healthz")
    with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
        body = response.read().decode()
    assert '"database": "ok"' in body
    assert '"redis": "ok"' in body


def _attempt_login(base: str, email: str, password: str) -> str:
    """One sign-in attempt as a separate client on a fresh connection. The proxy in front of
    gunicorn terminates TLS, so the requests say https and cookies are passed by hand (the
    production cookies are Secure)."""
    headers = {"X-Forwarded-Proto": "https", "Connection": "close"}
    login_url = base + "/accounts/login/"
    with urllib.request.urlopen(
        urllib.request.Request(login_url, headers=headers), timeout=10
    ) as response:
        page = response.read().decode()
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": email, "password": password}
    ).encode()
    request = urllib.request.Request(
        login_url,
        data=data,
        headers={**headers, "Cookie": cookie, "Referer": login_url.replace("http:", "https:")},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()
    except urllib.error.HTTPError as exc:  # 429 from the rate limiter
        return exc.read().decode()


def test_failed_sign_in_limit_holds_across_workers(gunicorn):
    base, log = gunicorn
    user = User.objects.create_user(email="target@example.test", password="right-password-1")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    pages = [_attempt_login(base, user.email, "wrong-password") for _ in range(12)]
    assert all("The email address and/or password" in p for p in pages[:5]), pages[0][:2000]
    limited = ["Too many failed login attempts" in page for page in pages]
    # allauth allows 5 failures per account in 5 minutes; every later attempt is refused,
    # whichever worker answers it, because the counters live in Redis, not in a worker.
    assert limited == [False] * 5 + [True] * 7
    keys = redis.Redis.from_url(os.environ["REDIS_URL"]).keys("*login_failed*")
    assert keys, "the rate-limit counters should be in Redis"
    served_by = set(re.findall(r"pid=<(\d+)> POST /accounts/login/", log.read_text()))
    assert served_by, "gunicorn's access log should name the worker of each sign-in"
