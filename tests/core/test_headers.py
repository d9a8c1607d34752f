"""Response headers: a real per-request CSP nonce that matches the page, Permissions-Policy,
Cross-Origin-Resource-Policy, and `Cache-Control: no-store` on every answer a shared or
browser cache must not keep, checked on an HTML page, an API answer and the error pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import include, path, reverse

from apps.core.tokens import new_token
from tests.factories import ApiTokenFactory
from tests.support.api import bearer

pytestmark = pytest.mark.django_db

DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb"]


def _explode(request):
    raise RuntimeError("boom")


def _suspicious(request):
    raise SuspiciousOperation("a hostile request")


# The project's URLs plus two views that fail, to see the real 500 and 400 pages.
urlpatterns = [
    path("test-explode/", _explode),
    path("api/v1/test-explode/", _explode),
    path("test-suspicious/", _suspicious),
    path("", include("config.urls")),
]
handler400 = "apps.core.views.bad_request"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"


@pytest.fixture
def signed_in(login, owner):
    return login(owner)


@pytest.fixture
def api(owner):
    raw = new_token("lp_")[0]
    ApiTokenFactory(membership=owner, raw_token=raw)
    return bearer(raw)


@pytest.fixture
def answers(signed_in, api):
    """One of each: a signed-in HTML page, an API answer, and the 404, 400 and 500 pages (as
    HTML for a person and as JSON for the API)."""
    signed_in.raise_request_exception = False
    api.raise_request_exception = False
    anonymous = Client(raise_request_exception=False)
    return {
        "html page": signed_in.get(reverse("profile")),
        "api answer": api.get("/api/v1/me"),
        "html 404": signed_in.get("/no-such-page/"),
        "api 404": api.get("/api/v1/no-such-endpoint"),
        "html 500": signed_in.get("/test-explode/"),
        "api 500": api.get("/api/v1/test-explode/"),
        "html 400": signed_in.get("/test-suspicious/"),
        "anonymous 404": anonymous.get("/book/no-such-agency/"),
        "anonymous 500": anonymous.get("/test-explode/"),
    }


EXPECTED_STATUS = {
    "html page": 200,
    "api answer": 200,
    "html 404": 404,
    "api 404": 404,
    "html 500": 500,
    "api 500": 500,
    "html 400": 400,
    "anonymous 404": 404,
    "anonymous 500": 500,
}


@pytest.mark.urls(__name__)
def test_every_answer_denies_powerful_browser_features(answers):
    for name, response in answers.items():
        assert response.status_code == EXPECTED_STATUS[name], name
        policy = response.get("Permissions-Policy", "")
        for feature in DENIED_FEATURES:
            assert f"{feature}=()" in policy, (name, policy)


@pytest.mark.urls(__name__)
def test_every_answer_keeps_its_resources_to_this_origin(answers):
    for name, response in answers.items():
        assert response.get("Cross-Origin-Resource-Policy") == "same-origin", name


def _cache_directives(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.urls(__name__)
def test_signed_in_pages_api_answers_and_their_errors_are_never_stored(answers):
    for name, response in answers.items():
        if name.startswith("anonymous") and name != "anonymous 404":
            continue
        directives = _cache_directives(response)
        assert "no-store" in directives, (name, directives)
        assert not directives & {"public", "max-age=3600"}, (name, directives)


def test_public_pages_that_carry_a_form_are_never_stored(agency):
    # Every HTML page holds a CSRF token (htmx sends it from <body>), tied to this visitor's
    # cookie: a cached copy would hand one visitor's token, or personal data, to the next.
    booking = Client().get(reverse("book_agency", args=[agency.slug]))
    assert booking.status_code == 200
    assert "no-store" in _cache_directives(booking)


def test_a_view_cannot_make_a_signed_in_page_publicly_cacheable(signed_in, monkeypatch):
    from django.http import HttpResponse

    from apps.accounts import views

    def cacheable(self, request, *args, **kwargs):
        response = HttpResponse("hello")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    monkeypatch.setattr(views.ProfileView, "get", cacheable)
    response = signed_in.get(reverse("profile"))
    assert response.content == b"hello"
    assert _cache_directives(response) == {"no-store"}


def test_static_files_keep_their_long_cache():
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


# --- Content-Security-Policy ------------------------------------------------------------


def _script_nonce(response) -> str:
    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    script_src = directives["script-src"].split()
    assert "'nonce'" not in script_src
    nonces = [s for s in script_src if s.startswith("'nonce-")]
    assert len(nonces) == 1, script_src
    return nonces[0].removeprefix("'nonce-").removesuffix("'")


def test_the_csp_nonce_is_real_fresh_per_request_and_the_one_in_the_page(signed_in):
    url = reverse("profile")
    first, second = signed_in.get(url), signed_in.get(url)
    nonce = _script_nonce(first)
    assert len(nonce) >= 16
    assert _script_nonce(second) != nonce
    scripts = re.findall(r"<script\b[^>]*>", first.content.decode())
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag


def test_every_page_template_with_a_script_gives_it_the_nonce():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    templates = [*root.glob("templates/**/*.html"), *root.glob("apps/*/templates/**/*.html")]
    scripts = [
        (template, tag)
        for template in templates
        for tag in re.findall(r"<script\b[^>]*>", template.read_text())
    ]
    assert scripts
    for template, tag in scripts:
        if 'type="application/json"' in tag:
            continue  # data, not code: CSP does not apply
        assert 'nonce="{{ request.csp_nonce }}"' in tag, (template, tag)


def test_the_login_page_has_a_real_nonce_too():
    response = Client().get(reverse("account_login"))
    nonce = _script_nonce(response)
    assert f'nonce="{nonce}"' in response.content.decode()
