"""API test helpers: a client that sends a personal access token, and assertions on the API's
one error format (apps.core.api.error_body)."""

from django.test import Client


def bearer(raw: str) -> Client:
    """A test client that authenticates every request with the personal access token `raw`."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def assert_error(response, status, code=None, field=None, text=None):
    """The response is the API's error body with `status`; optionally its code, a field it
    names, and a piece of its message or field errors. Returns the error for further checks."""
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["status"] == status
    assert set(error) >= {"status", "code", "message", "request_id"}, error
    if code:
        assert error["code"] == code, error
    if field:
        assert field in error["fields"], error
    if text:
        assert text in error["message"] or text in str(error.get("fields")), error
    return error
