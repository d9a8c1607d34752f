"""Assertions on the API's one error format (apps.core.api.error_body)."""


def assert_error(response, status, code=None, field=None, text=None):
    """The response is the API's error body with `status`; optionally its code, a field it
    names, and a piece of its text. Returns the error for further checks."""
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["status"] == status
    if code:
        assert error["code"] == code
    if field:
        assert field in error["fields"], error
    if text:
        assert text in str(error), error
    return error
