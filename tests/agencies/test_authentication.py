"""Bearer-token failure limits punish the guesser, not the address's other users: a malformed
header is refused with a clear 401 but not counted; a well-formed wrong token is counted, and
past the limit the address is answered 429 with Retry-After."""

import pytest
from django.test import Client

from apps.agencies import services
from tests.support.api import assert_error

pytestmark = pytest.mark.django_db

LIMIT = 20

MALFORMED = [
    "Bearer",
    "Bearer a b",
    "Token lp_abc",
    "Basic dXNlcjpwYXNz",
    "Bearer not-ours",
    "Bearer lp_" + "x" * 200,
    "Bearer lp_\u00e9t\u00e9",
]


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.API_TOKEN_FAILURES_PER_MINUTE = LIMIT


@pytest.fixture
def raw_token(owner):
    return services.api_token_create(actor=owner, name="script", expires_in_days=30)[1]


def _me(header: str, **extra):
    return Client(HTTP_AUTHORIZATION=header, **extra).get("/api/v1/me")


def test_malformed_headers_do_not_lock_out_valid_tokens_from_the_same_address(raw_token):
    """The listed failure: twenty malformed headers from one address locked out valid tokens
    from it."""
    for n in range(LIMIT + 5):
        response = _me(MALFORMED[n % len(MALFORMED)])
        assert_error(response, 401, code="authentication_failed")
    response = _me(f"Bearer {raw_token}")
    assert response.status_code == 200, response.content


def test_well_formed_wrong_tokens_are_counted_then_answered_429(raw_token):
    for _ in range(LIMIT):
        assert_error(_me("Bearer lp_wrongwrongwrongwrong"), 401, text="Invalid")
    locked = _me(f"Bearer {raw_token}")
    assert_error(locked, 429, text="Too many failed authentication attempts")
    assert int(locked["Retry-After"]) > 0
    # Another address is not affected.
    assert _me(f"Bearer {raw_token}", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_behind_a_proxy_failures_count_per_client_not_per_proxy(settings, raw_token):
    settings.NUM_PROXIES = 1
    for _ in range(LIMIT):
        response = _me("Bearer lp_wrongwrongwrongwrong", HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert_error(response, 401)
    assert_error(_me(f"Bearer {raw_token}", HTTP_X_FORWARDED_FOR="198.51.100.7"), 429)
    assert _me(f"Bearer {raw_token}", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200
