"""The API: personal access tokens, /api/v1/me, members and invitations, the one error format,
throttling and cursor pagination."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.agencies import services
from apps.agencies.models import ApiToken, Invitation
from apps.agencies.roles import Role
from apps.core.tokens import hash_token
from tests.factories import AgencyFactory, MembershipFactory
from tests.support.api import assert_error, bearer

pytestmark = pytest.mark.django_db


def _token(member, days=30):
    return services.api_token_create(actor=member, name="script", expires_in_days=days)


def test_token_is_shown_once_and_stored_as_a_hash(owner, login, agency):
    client = login(owner)
    response = client.post(
        reverse("api_tokens", args=[agency.slug]), {"name": "CI", "expires_in_days": 30}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["new_token_value"]
    assert raw.startswith("lp_")
    token = ApiToken.objects.get()
    assert token.token_hash == hash_token(raw)
    assert raw not in str(ApiToken.objects.values().get())
    # The list page afterwards shows only the prefix.
    listing = client.get(reverse("api_tokens", args=[agency.slug])).content.decode()
    assert raw not in listing
    assert token.prefix in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "expires_in_days": 30}, "This field is required"),
        ({"name": "n" * 81, "expires_in_days": 30}, "at most 80 characters"),
        ({"name": "ok", "expires_in_days": 10000}, "Select a valid choice"),
    ],
)
def test_bad_token_form_input_is_refused(owner, login, agency, data, message):
    response = login(owner).post(reverse("api_tokens", args=[agency.slug]), data)
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_me_with_a_token_lists_only_the_tokens_agency(owner, agency):
    MembershipFactory(user=owner.user, agency=AgencyFactory(), role=Role.ENGINEER)
    _, raw = _token(owner)
    data = bearer(raw).get("/api/v1/me").json()
    assert data["email"] == owner.user.email
    assert [m["agency"]["slug"] for m in data["memberships"]] == [agency.slug]


def test_me_with_a_session_lists_every_agency(owner, login, agency):
    other = MembershipFactory(user=owner.user, agency=AgencyFactory(), role=Role.ENGINEER)
    data = login(owner).get("/api/v1/me").json()
    assert {m["agency"]["slug"] for m in data["memberships"]} == {agency.slug, other.agency.slug}


def test_token_updates_last_used_at_at_most_once_a_minute(owner, agency):
    token, raw = _token(owner)
    client = bearer(raw)
    client.get("/api/v1/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at == first


@pytest.mark.parametrize(
    ("header", "text"),
    [
        ("Bearer", "Malformed Authorization header"),
        ("Bearer a b", "Malformed Authorization header"),
        ("Token lp_abc", "Malformed Authorization header"),
        ("Basic dXNlcjpwYXNz", "Malformed Authorization header"),
        ("Bearer not-ours", "start with 'lp_'"),
        ("Bearer lp_" + "x" * 200, "start with 'lp_'"),
        ("Bearer lp_unknownunknownunknown", "Invalid, expired or revoked"),
    ],
)
def test_malformed_or_unknown_tokens_get_a_clear_401(header, text, db):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
    error = assert_error(response, 401, text=text)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error["code"] == "authentication_failed"


def test_non_ascii_token_gets_a_clear_401(db):
    response = Client(HTTP_AUTHORIZATION="Bearer lp_\u00e9t\u00e9").get("/api/v1/me")
    assert_error(response, 401)


def test_expired_and_revoked_tokens_are_refused(owner, agency):
    token, raw = _token(owner)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(bearer(raw).get("/api/v1/me"), 401, text="expired")
    token2, raw2 = _token(owner)
    services.api_token_revoke(actor=owner, token=token2)
    assert_error(bearer(raw2).get("/api/v1/me"), 401, text="revoked")


def test_token_stops_working_when_its_member_is_removed(owner, engineer, agency):
    _, raw = _token(engineer)
    assert bearer(raw).get(reverse("api_members", args=[agency.slug])).status_code == 200
    services.membership_remove(actor=owner, membership=engineer)
    assert_error(bearer(raw).get("/api/v1/me"), 401)


def test_anonymous_api_gets_401_in_the_error_format(agency):
    assert_error(Client().get(reverse("api_members", args=[agency.slug])), 401)
    assert_error(Client().get("/api/v1/me"), 401)


def test_unknown_api_path_is_a_json_404(db):
    error = assert_error(Client().get("/api/v1/nothing-here"), 404, code="not_found")
    assert error["message"] == "Not found."


def test_members_list_is_cursor_paginated_oldest_first(owner, make_member, agency):
    for _ in range(4):
        make_member(agency)
    _, raw = _token(owner)
    client = bearer(raw)
    url = reverse("api_members", args=[agency.slug])
    first = client.get(url, {"page_size": 2}).json()
    assert next(m["id"] for m in first["results"]) == str(owner.pk)
    assert first["next"]
    assert first["previous"] is None
    seen = [m["id"] for m in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [m["id"] for m in page["results"]]
    assert len(seen) == len(set(seen)) == 5


def test_members_api_filters_and_refuses_unknown_values(owner, make_member, agency):
    make_member(agency, Role.CLIENT, email="client@x.test")
    _, raw = _token(owner)
    url = reverse("api_members", args=[agency.slug])
    clients = bearer(raw).get(url, {"role": "client"}).json()["results"]
    assert [m["user"]["email"] for m in clients] == ["client@x.test"]
    # Unknown values are a 400 naming the filter, as docs/api.md promises (issue 10: they
    # were silently ignored, and the whole list came back).
    assert_error(bearer(raw).get(url, {"role": "nope"}), 400, "invalid", field="role")
    assert_error(bearer(raw).get(url, {"search": "x" * 101}), 400, "invalid", field="search")
    invitations = reverse("api_invitations", args=[agency.slug])
    assert_error(bearer(raw).get(invitations, {"status": "nope"}), 400, field="status")


def test_change_role_through_the_api(owner, engineer, agency):
    _, raw = _token(owner)
    url = reverse("api_member", args=[agency.slug, engineer.pk])
    response = bearer(raw).patch(url, {"role": "admin"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    engineer.refresh_from_db()
    assert engineer.role == Role.ADMIN


@pytest.mark.parametrize(
    ("body", "field"),
    [({"role": "king"}, "role"), ({}, "role"), ({"role": "a" * 10000}, "role")],
)
def test_bad_role_change_is_a_400_with_field_errors(owner, engineer, agency, body, field):
    _, raw = _token(owner)
    url = reverse("api_member", args=[agency.slug, engineer.pk])
    response = bearer(raw).patch(url, body, content_type="application/json")
    error = assert_error(response, 400, code="invalid")
    assert field in error["fields"]
    engineer.refresh_from_db()
    assert engineer.role == Role.ENGINEER


def test_malformed_json_is_a_400(owner, engineer, agency):
    _, raw = _token(owner)
    url = reverse("api_member", args=[agency.slug, engineer.pk])
    response = bearer(raw).patch(url, "{not json", content_type="application/json")
    assert_error(response, 400, code="parse_error")


def test_last_owner_rule_through_the_api(owner, agency):
    _, raw = _token(owner)
    url = reverse("api_member", args=[agency.slug, owner.pk])
    response = bearer(raw).delete(url)
    assert_error(response, 400, code="last_owner", text="at least one owner")
    assert owner.__class__.objects.filter(pk=owner.pk).exists()


def test_engineer_token_cannot_manage_members_or_see_invitations(engineer, owner, agency):
    _, raw = _token(engineer)
    client = bearer(raw)
    url = reverse("api_member", args=[agency.slug, owner.pk])
    assert client.get(url).status_code == 200
    assert_error(client.patch(url, {"role": "client"}, content_type="application/json"), 403)
    assert_error(client.get(reverse("api_invitations", args=[agency.slug])), 403)
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_client_contact_cannot_list_members(client_member, agency):
    _, raw = _token(client_member)
    assert_error(bearer(raw).get(reverse("api_members", args=[agency.slug])), 403)


def test_invitation_api_create_list_resend_revoke(owner, agency, committing):
    _, raw = _token(owner)
    client = bearer(raw)
    url = reverse("api_invitations", args=[agency.slug])
    created = committing(
        client.post,
        url,
        {"email": "API@x.test", "role": "engineer"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "api@x.test"
    assert body["status"] == "pending"
    # The email goes out after commit, so the response still shows it as unsent.
    assert Invitation.objects.get().sent_at is not None
    assert "token" not in str(body).lower()
    listing = client.get(url, {"status": "pending"}).json()["results"]
    assert [i["id"] for i in listing] == [body["id"]]
    detail_url = reverse("api_invitation", args=[agency.slug, body["id"]])
    resent = client.post(reverse("api_invitation_resend", args=[agency.slug, body["id"]]))
    assert resent.status_code == 200
    revoked = client.delete(detail_url)
    assert revoked.json()["status"] == "revoked"
    assert Invitation.objects.get().revoked_at is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "nope", "role": "engineer"}, "email"),
        ({"email": "a@x.test", "role": "emperor"}, "role"),
        ({"email": "a" * 300 + "@x.test", "role": "engineer"}, "email"),
        ({"role": "engineer"}, "email"),
    ],
)
def test_bad_invitation_api_input_is_a_400_and_creates_nothing(owner, agency, body, field):
    _, raw = _token(owner)
    response = bearer(raw).post(
        reverse("api_invitations", args=[agency.slug]), body, content_type="application/json"
    )
    error = assert_error(response, 400, code="invalid")
    assert field in error["fields"]
    assert not Invitation.objects.exists()


def test_admin_cannot_invite_an_owner_through_the_api(admin_member, agency):
    _, raw = _token(admin_member)
    response = bearer(raw).post(
        reverse("api_invitations", args=[agency.slug]),
        {"email": "boss@x.test", "role": "owner"},
        content_type="application/json",
    )
    assert_error(response, 403, code="permission_denied")
    assert not Invitation.objects.exists()


def test_session_writes_need_the_csrf_token(owner, engineer, agency):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    url = reverse("api_member", args=[agency.slug, engineer.pk])
    response = client.patch(url, {"role": "admin"}, content_type="application/json")
    assert_error(response, 403, text="CSRF")
    engineer.refresh_from_db()
    assert engineer.role == Role.ENGINEER


@pytest.fixture
def throttle_rates(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    def set_rates(**rates):
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **rates}
        )

    return set_rates


def test_anonymous_requests_are_throttled_per_ip(throttle_rates, db):
    throttle_rates(anon="3/min")
    client = Client()
    statuses = [client.get("/api/schema/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another address has its own allowance.
    assert Client(REMOTE_ADDR="10.9.8.7").get("/api/schema/").status_code == 200


def test_users_are_throttled_per_user(throttle_rates, owner):
    throttle_rates(user="2/min")
    _, raw = _token(owner)
    statuses = [bearer(raw).get("/api/v1/me").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    error = bearer(raw).get("/api/v1/me").json()["error"]
    assert error["code"] == "throttled"


def test_guessing_tokens_is_cut_off_after_the_failure_limit(settings, owner):
    settings.API_TOKEN_FAILURES_PER_MINUTE = 3
    guesser = Client(HTTP_AUTHORIZATION="Bearer lp_guessguessguessguess")
    statuses = [guesser.get("/api/v1/me").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert "Too many failed" in guesser.get("/api/v1/me").json()["error"]["message"]


def test_openapi_schema_and_docs_are_served(db, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/me", "/api/v1/agencies/{agency_slug}/members/"):
        assert path in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
