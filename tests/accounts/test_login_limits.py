"""Sign-in limits punish the guesser, not the victim: behind a proxy allauth counts each
client's own address (NUM_PROXIES drives allauth's and DRF's proxy count alike), and the
per-account limit keeps the right password out for no longer than its documented window."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.accounts.devices import COOKIE
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BASE_SETTINGS = Path(settings.BASE_DIR) / "config" / "settings" / "base.py"
# docs/security.md, "Abuse limits": five failures for one account within five minutes.
ACCOUNT_FAILURES, ACCOUNT_WINDOW = 5, 5 * 60


def _settings_with_env(monkeypatch, **env) -> dict:
    """The base settings as they come out of these environment variables."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_SETTINGS))


def test_one_environment_setting_drives_every_proxy_count(monkeypatch):
    values = _settings_with_env(monkeypatch, NUM_PROXIES="2")
    assert values["NUM_PROXIES"] == 2
    assert values["ALLAUTH_TRUSTED_PROXY_COUNT"] == 2
    assert values["REST_FRAMEWORK"]["NUM_PROXIES"] == 2


def _sign_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another(monkeypatch, settings):
    """The listed failure: with NUM_PROXIES=1 allauth counted the proxy's address, so eleven
    failed sign-ins from one client locked every user out."""
    values = _settings_with_env(monkeypatch, NUM_PROXIES="1")
    for name in ("NUM_PROXIES", "REST_FRAMEWORK"):
        setattr(settings, name, values[name])
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = values.get("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    victim = UserFactory()
    # Every request arrives from the proxy (REMOTE_ADDR 127.0.0.1), which names the client.
    attacker = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")
    for n in range(11):
        _sign_in(attacker, f"nobody{n}@example.test", "wrong-password")
    locked = _sign_in(attacker, "nobody99@example.test", "wrong-password")
    assert "Too many failed login attempts" in locked.content.decode()
    other = Client(HTTP_X_FORWARDED_FOR="203.0.113.20")
    response = _sign_in(other, victim.email, PASSWORD)
    assert "Too many failed login attempts" not in response.content.decode()
    assert _signed_in(other)


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    @staticmethod
    def sleep(_seconds: float) -> None:
        return None


def test_the_account_limit_keeps_the_right_password_out_only_for_its_window(monkeypatch):
    clock = FakeClock(1_800_000_000.0)
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", clock)
    victim = UserFactory()
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(ACCOUNT_FAILURES):
        _sign_in(attacker, victim.email, "wrong-password")
        clock.now += 10
    elsewhere = Client(REMOTE_ADDR="203.0.113.20")
    refused = _sign_in(elsewhere, victim.email, PASSWORD)
    assert "Too many failed login attempts" in refused.content.decode()
    assert not _signed_in(elsewhere)
    # The window runs from the first of the five failures: once it is over, the right
    # password signs in from another address, whatever the guesser did.
    clock.now += ACCOUNT_WINDOW - ACCOUNT_FAILURES * 10 + 1
    response = _sign_in(elsewhere, victim.email, PASSWORD)
    assert _signed_in(elsewhere), response.content.decode()[:500]


@pytest.mark.parametrize("forwarded", [None, "", "198.51.100.7"])
def test_a_shorter_forwarded_chain_than_the_proxy_count_is_no_error(settings, forwarded):
    """With NUM_PROXIES=2, a request that reaches the app with fewer X-Forwarded-For entries
    (sent straight to it, or forged) made allauth refuse the sign-in form with an error page;
    its address is then the connection's own, as everywhere else."""
    settings.NUM_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    client = Client(**headers)
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    response = _sign_in(client, "nobody@example.test", "wrong-password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def _known_browser(user) -> Client:
    """The owner's own browser, which has signed in to the account before."""
    browser = Client(REMOTE_ADDR="203.0.113.20")
    assert _signed_in_after(browser, user.email, PASSWORD)
    assert COOKIE in browser.cookies
    browser.post(reverse("account_logout"))
    return browser


def _signed_in_after(client: Client, email: str, password: str) -> bool:
    _sign_in(client, email, password)
    return _signed_in(client)


def test_a_guesser_who_keeps_on_never_shuts_out_the_owners_own_browser(monkeypatch):
    """The per-account limit is full for as long as someone keeps guessing; a browser that
    signed in to the account before counts apart and keeps its right password."""
    clock = FakeClock(1_800_000_000.0)
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", clock)
    victim = UserFactory()
    browser = _known_browser(victim)
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    stranger = Client(REMOTE_ADDR="192.0.2.9")
    # Fifteen minutes of steady guessing, a little faster than the limit lets through.
    for attempt in range(18):
        _sign_in(attacker, victim.email, "wrong-password")
        if attempt >= ACCOUNT_FAILURES:
            shut = _sign_in(stranger, victim.email, PASSWORD)
            assert "Too many failed login attempts" in shut.content.decode()
            assert _signed_in_after(browser, victim.email, PASSWORD)
            browser.post(reverse("account_logout"))
        clock.now += 50


def test_a_known_browser_has_its_own_limit(monkeypatch):
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", FakeClock(1_800_000_000.0))
    victim = UserFactory()
    browser = _known_browser(victim)
    for _ in range(ACCOUNT_FAILURES):
        _sign_in(browser, victim.email, "wrong-password")
    refused = _sign_in(browser, victim.email, PASSWORD)
    assert "Too many failed login attempts" in refused.content.decode()


@pytest.mark.parametrize("cookie", ["tampered", "another account's"])
def test_a_forged_or_borrowed_cookie_counts_as_no_cookie(monkeypatch, cookie):
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", FakeClock(1_800_000_000.0))
    victim, someone = UserFactory(), UserFactory()
    own = _known_browser(someone).cookies[COOKIE].value
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(ACCOUNT_FAILURES):
        _sign_in(attacker, victim.email, "wrong-password")
    pretender = Client(REMOTE_ADDR="198.51.100.8")
    pretender.cookies[COOKIE] = own[:-2] + "xx" if cookie == "tampered" else own
    refused = _sign_in(pretender, victim.email, PASSWORD)
    assert "Too many failed login attempts" in refused.content.decode()
    assert not _signed_in(pretender)
