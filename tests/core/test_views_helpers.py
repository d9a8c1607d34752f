"""submit() and attempt(): one service call behind a form, its errors on the form, a refusal
of rights on to the 403 page."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.views_helpers import attempt, submit


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def test_attempt_hands_back_what_the_service_made():
    calls = []

    def create(data):
        calls.append(data)
        return f"made {data['name']}"

    form = NameForm({"name": "Acme"})
    assert attempt(form, create) == "made Acme"
    assert calls == [{"name": "Acme"}]
    assert not form.errors


def test_an_invalid_form_never_reaches_the_service():
    form = NameForm({"name": ""})
    assert attempt(form, lambda data: pytest.fail("called")) is None
    assert submit(NameForm({"name": ""}), lambda data: pytest.fail("called")) is False
    assert "name" in form.errors


@pytest.mark.parametrize(
    ("error", "field", "message"),
    [
        (ValidationError({"name": "Taken."}), "name", "Taken."),
        (
            ApplicationError("The agency is closed.", code="closed"),
            "__all__",
            "The agency is closed.",
        ),
    ],
)
def test_a_service_refusal_lands_on_the_form(error, field, message):
    def refuse(data):
        raise error

    form = NameForm({"name": "Acme"})
    assert attempt(form, refuse) is None
    assert form.errors[field] == [message]
    again = NameForm({"name": "Acme"})
    assert submit(again, refuse) is False
    assert again.errors[field] == [message]


def test_a_refusal_of_rights_goes_on_to_the_403_page():
    def forbid(data):
        raise PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        attempt(NameForm({"name": "Acme"}), forbid)
    with pytest.raises(PermissionDeniedError):
        submit(NameForm({"name": "Acme"}), forbid)
