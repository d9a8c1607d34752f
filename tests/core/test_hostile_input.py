"""No 500 on hostile input (issue 10, item 4): JSON nested 2,000 deep on every write
operation, NUL and unpaired surrogates in bodies, query strings, form posts and paths,
bodies too large or not UTF-8, and dates far from today on the API and the pages. Each gets
a clear 400 (a 415 for a body that is not JSON) and changes nothing."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from apps.bookings.models import Booking
from apps.bookings.public.forms import PublicBookingForm
from apps.core.validators import date_bounds
from apps.projects.forms import ProjectForm
from tests.support.api import assert_error, bearer
from tests.support.routes import all_routes
from tests.support.tenants import api_tenant

pytestmark = pytest.mark.django_db

DEEP = "[" * 2000 + "]" * 2000
FAR = "9999-12-30"
FAR_INSTANT = "9999-12-31T23:30:00+00:00"
WRITE_METHODS = ("post", "put", "patch")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
HISTORY = "/api/v1/agencies/alpha/projects/{project_id}/readiness/history/"


def everything() -> str:
    """A digest of every row of every table the app owns: any write changes it."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if not model.__module__.startswith("apps."):
            continue
        rows = list(model.objects.order_by("pk").values())
        for row in rows:
            row.pop("last_used_at", None)
            row.pop("last_login", None)
        digest.update(json.dumps([model._meta.label, rows], sort_keys=True, default=str).encode())
    return digest.hexdigest()


@pytest.fixture
def world(catalog):
    return api_tenant("alpha")


def _operations_with_a_body() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (path, method)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }


def _write_routes(values):
    """(method, url, route) of every write the API routes answer, found by the resolver."""
    for route in all_routes():
        if not route.is_api:
            continue
        for method in WRITE_METHODS:
            if hasattr(route.view, method):
                yield method, route.url(values), route


def _send(client: Client, method: str, url: str, body: str, **extra):
    return getattr(client, method)(
        url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="hostile-1", **extra
    )


def test_json_nested_2000_deep_is_a_400_on_every_write_operation(world):
    """Every write that takes a body refuses it, and changes nothing; one that takes none
    (resending an invitation) ignores it. None answers 5xx."""
    client = bearer(world["bearer"])
    routes = list(_write_routes(world))
    assert len(routes) >= 16, routes  # the walker found the writes (guards a vacuous pass)
    with_body = _operations_with_a_body()
    taking = [r for r in routes if (_CONVERTER.sub(r"{\1}", "/" + r[2].route), r[0]) in with_body]
    assert len(taking) >= 15, taking
    before = everything()
    failures = []
    for method, url, _route in taking:
        response = _send(client, method, url, DEEP)
        if response.status_code != 400 or response.json()["error"]["code"] != "too_deep":
            failures.append(f"{method.upper()} {url}: {response.status_code} {response.content}")
    assert not failures, "\n".join(failures)
    assert everything() == before
    for method, url, _route in set(routes) - set(taking):
        assert _send(client, method, url, DEEP).status_code < 500, url


def test_json_just_within_the_depth_limit_still_parses(world, settings):
    settings.API_MAX_JSON_DEPTH = 3
    url = f"/api/v1/agencies/alpha/clients/{world['client_id']}/"
    client = bearer(world["bearer"])
    nested = {"notes": "x", "extra": [[{"a": 1}]]}  # depth 4: refused
    assert_error(client.patch(url, nested, content_type="application/json"), 400, "too_deep")
    fine = {"notes": "within", "extra": [{"a": 1}]}  # depth 3: read, unknown key ignored
    assert client.patch(url, fine, content_type="application/json").status_code == 200


def test_brackets_inside_strings_do_not_count_as_depth(world, settings):
    settings.API_MAX_JSON_DEPTH = 2
    url = f"/api/v1/agencies/alpha/clients/{world['client_id']}/"
    body = {"notes": '[[[[{{{{ \\" ]]]]'}
    response = bearer(world["bearer"]).patch(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["notes"] == body["notes"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"role": "\\ud800"}', "role"),  # the choice field
        ('{"role": "admin", "\\udfff": 1}', "a key of the body"),
        ('{"role": "admin\\u0000"}', "role"),
    ],
)
def test_unpaired_surrogates_and_nul_in_a_json_body_are_a_400(world, body, where):
    url = f"/api/v1/agencies/alpha/members/{world['member_id']}/"
    before = everything()
    response = _send(bearer(world["bearer"]), "patch", url, body)
    error = assert_error(response, 400, "invalid_text")
    assert where in error["message"]
    assert everything() == before


def test_a_surrogate_deep_in_a_list_is_named_with_its_place(world):
    url = f"/api/v1/agencies/alpha/projects/{world['project_id']}/"
    body = '{"stack": ["React", "Supa\\ud83dbase"]}'
    before = everything()
    error = assert_error(_send(bearer(world["bearer"]), "patch", url, body), 400, "invalid_text")
    assert "stack[1]" in error["message"]
    assert everything() == before


def test_the_anonymous_booking_api_refuses_the_same(world):
    url = f"/api/v1/book/alpha/{world['offer']}/bookings/"
    body = '{"name": "\\ud800", "email": "a@b.test"}'
    before = everything()
    assert_error(_send(Client(), "post", url, body), 400, "invalid_text")
    assert_error(_send(Client(), "post", url, DEEP), 400, "too_deep")
    assert everything() == before


def test_a_body_over_the_size_limit_is_a_400(world, settings):
    settings.API_MAX_BODY_BYTES = 200
    url = f"/api/v1/agencies/alpha/clients/{world['client_id']}/"
    before = everything()
    body = json.dumps({"notes": "x" * 300})
    error = assert_error(_send(bearer(world["bearer"]), "patch", url, body), 400, "body_too_large")
    assert "200 bytes" in error["message"]
    assert everything() == before


@pytest.mark.parametrize(
    "raw",
    [b'{"notes": "\xff\xfe"}', b'{"notes": NaN}', b'{"notes": "unterminated', b"\xef\xbb"],
)
def test_bodies_that_are_not_json_in_utf8_are_a_400(world, raw):
    url = f"/api/v1/agencies/alpha/clients/{world['client_id']}/"
    before = everything()
    assert_error(_send(bearer(world["bearer"]), "patch", url, raw), 400, "parse_error")
    assert everything() == before


def test_form_and_multipart_bodies_are_refused_with_415(world):
    url = f"/api/v1/agencies/alpha/clients/{world['client_id']}/"
    client = bearer(world["bearer"])
    before = everything()
    form = client.patch(url, "notes=x", content_type="application/x-www-form-urlencoded")
    assert_error(form, 415, "unsupported_media_type")
    multipart = client.post("/api/v1/agencies/alpha/clients/", {"name": "Via multipart"})
    assert_error(multipart, 415, "unsupported_media_type")
    public = Client().post(f"/api/v1/book/alpha/{world['offer']}/bookings/", {"name": "x"})
    assert_error(public, 415, "unsupported_media_type")
    assert everything() == before


def test_nul_in_a_query_string_is_a_400_on_the_api_and_on_pages(world):
    client = bearer(world["bearer"])
    error = assert_error(client.get("/api/v1/agencies/alpha/members/?search=a%00b"), 400)
    assert error["code"] == "invalid_text"
    assert "search" in error["message"]
    page = Client().get(f"/book/alpha/{world['offer']}/?tz=UTC%00")
    assert page.status_code == 400
    assert "NUL" in page.content.decode()


def test_nul_in_a_path_is_a_400(world):
    token = world["token"]
    assert Client().get(f"/book/manage/{token}%00/").status_code == 400
    api = Client().get(f"/api/v1/book/manage/{token}%00/")
    assert_error(api, 400, "invalid_text")


def test_nul_in_a_form_post_is_a_400_and_books_nothing(world):
    before = Booking.objects.count()
    response = Client().post(
        f"/book/alpha/{world['offer']}/",
        {"name": "Pat\x00", "email": "pat@x.test", "consent": "on"},
    )
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert Booking.objects.count() == before


@pytest.mark.parametrize("charset", ["unicode_escape", "utf-16", "latin-1", "no-such-charset"])
def test_a_charset_other_than_utf8_is_a_400(world, charset):
    """Django decodes query strings and forms with the declared charset: unicode_escape turned
    `\\ud800` into a surrogate, which the first page echoing it could not encode."""
    client = bearer(world["bearer"])
    response = client.get(
        "/api/v1/agencies/alpha/clients/?search=%5Cud800",
        CONTENT_TYPE=f"text/plain; charset={charset}",
    )
    error = assert_error(response, 400, "invalid_text")
    assert "UTF-8" in error["message"]
    page = Client().get("/book/alpha/?x=%5Cud800", CONTENT_TYPE=f"text/plain; charset={charset}")
    assert page.status_code == 400


def _through_wsgi(path: str, query: str, content_type: str) -> tuple[str, dict, bytes]:
    """One request through config.wsgi's application, as gunicorn hands it over."""
    from config.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "CONTENT_TYPE": content_type, "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(),
    }  # fmt: skip
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.mark.parametrize("charset", ["rot13", "zlib"])
def test_a_charset_that_is_no_text_encoding_is_a_400_before_django(world, charset):
    """Django raised while building such a request (a 500 no error page catches), before its
    middleware: the WSGI application refuses it in front."""
    status, headers, body = _through_wsgi(
        "/api/v1/agencies/alpha/clients/", "search=x", f"text/plain; charset={charset}"
    )
    assert status.startswith("400")
    assert json.loads(body)["error"]["code"] == "invalid_text"
    assert headers["X-Request-ID"]
    status, headers, body = _through_wsgi("/book/alpha/", "x=1", f"text/plain; charset={charset}")
    assert status.startswith("400")
    assert b"UTF-8" in body


def test_the_wsgi_application_passes_other_requests_on(world):
    status, _, _ = _through_wsgi("/healthz", "", "text/plain; charset=utf-8")
    assert status.startswith("200")


def test_a_year_9999_day_is_a_400_on_the_public_slots_api(world):
    url = f"/api/v1/book/alpha/{world['offer']}/slots/?from={FAR}&to=9999-12-31"
    error = assert_error(Client().get(url), 400, "invalid", field="from")
    assert "too far from today" in str(error["fields"])


@pytest.mark.parametrize("query", [f"start={FAR_INSTANT}", "start=0001-01-01T00:00:00%2B01:00",
                                   f"from={FAR}", f"day={FAR}"])  # fmt: skip
def test_a_year_9999_date_is_a_400_on_the_public_booking_page(world, query):
    response = Client().get(f"/book/alpha/{world['offer']}/?{query.replace('+', '%2B')}")
    assert response.status_code == 400
    assert "too far from today" in response.content.decode()


def test_a_year_9999_start_is_a_400_on_the_manage_page(world):
    token = world["token"]
    page = Client().get(f"/book/manage/{token}/?start={FAR_INSTANT.replace('+', '%2B')}")
    assert page.status_code == 400
    assert "too far from today" in page.content.decode()
    picker = Client().get(f"/book/manage/{token}/?reschedule=1&from={FAR}")
    assert picker.status_code == 400


def test_a_year_9999_start_books_nothing_through_the_api(world):
    url = f"/api/v1/book/alpha/{world['offer']}/bookings/"
    body = {"start": FAR_INSTANT, "time_zone": "UTC", "name": "Pat", "email": "p@x.test",
            "consent": True}  # fmt: skip
    before = everything()
    assert_error(_send(Client(), "post", url, json.dumps(body)), 400, field="start")
    token = world["token"]
    moved = _send(Client(), "post", f"/api/v1/book/manage/{token}/reschedule/",
                  json.dumps({"start": FAR_INSTANT}))  # fmt: skip
    assert_error(moved, 400, field="start")
    assert everything() == before


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/agencies/alpha/bookings/?from=9999-12-31&tz=Pacific/Kiritimati", "from"),
        ("/api/v1/agencies/alpha/bookings/?to=0001-01-01&tz=America/New_York", "to"),
        (
            "/api/v1/agencies/alpha/projects/{project_id}/readiness/history/?since=9999-01-01",
            "since",
        ),
        ("/api/v1/agencies/alpha/projects/{project_id}/readiness/history/?until=2026-1-1", "until"),
    ],
)
def test_dates_far_away_or_malformed_are_a_400_in_agency_api_filters(world, url, field):
    response = bearer(world["bearer"]).get(url.format(**world))
    assert_error(response, 400, "invalid", field=field)


@pytest.mark.parametrize(
    ("url_name", "body", "field"),
    [
        ("project", {"target_launch": "2999-01-01"}, "target_launch"),
        ("item", {"due_date": FAR}, "due_date"),
    ],
)
def test_dates_far_away_in_agency_api_bodies_are_a_400(world, url_name, body, field):
    values = world
    url = f"/api/v1/agencies/alpha/projects/{values['project_id']}/"
    if url_name == "item":
        url += f"items/{values['item_id']}/"
    before = everything()
    response = bearer(world["bearer"]).patch(url, body, content_type="application/json")
    assert_error(response, 400, "invalid", field=field)
    assert everything() == before


def test_the_range_follows_the_setting(settings):
    settings.INPUT_DATE_RANGE_YEARS = 1
    first, last = date_bounds()
    today = timezone.now().date()
    assert first < today - timedelta(days=364)
    assert last > today + timedelta(days=364)
    assert last < today + timedelta(days=367)


def test_forms_refuse_dates_far_away(agency):
    form = PublicBookingForm(data={"start": FAR_INSTANT, "time_zone": "UTC"})
    assert not form.is_valid()
    assert "too far from today" in str(form.errors["start"])
    profile = ProjectForm(data={"target_launch": "2999-01-01"}, agency=agency)
    assert not profile.is_valid()
    assert "too far from today" in str(profile.errors["target_launch"])
