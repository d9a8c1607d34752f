"""submit() and attempt(): one service call behind a form, its errors on the form, a refusal
of rights on to the 403 page."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.views_helpers import attempt, call, run_action, submit


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


def _request():
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _messages(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in request._messages]


def test_run_action_says_it_went_through():
    request = _request()
    assert run_action(request, lambda: None, success="Done.") is True
    assert _messages(request) == [("success", "Done.")]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ValidationError(["Too late.", "Ask the host."]), "Too late. Ask the host."),
        (ApplicationError("Already signed off.", code="signed"), "Already signed off."),
    ],
)
def test_run_action_turns_a_refusal_into_an_error_message(error, message):
    def refuse():
        raise error

    request = _request()
    assert run_action(request, refuse, success="Done.") is False
    assert _messages(request) == [("error", message)]


def test_run_action_sends_a_refusal_of_rights_to_the_403_page():
    def forbid():
        raise PermissionDeniedError

    request = _request()
    with pytest.raises(PermissionDeniedError):
        run_action(request, forbid, success="Done.")
    assert _messages(request) == []


def test_call_hands_back_the_value_or_the_refusal_with_its_status():
    went = call(lambda: "made")
    assert (went.ok, went.value, went.message, went.status) == (True, "made", "", 200)

    def gone():
        raise ApplicationError("The link expired.", code="expired", status=410)

    refused = call(gone)
    assert (refused.ok, refused.value, refused.message, refused.status) == (
        False,
        None,
        "The link expired.",
        410,
    )

    def invalid():
        raise ValidationError(["Too late.", "Ask the host."])

    assert (call(invalid).message, call(invalid).status) == ("Too late. Ask the host.", 400)


def test_a_refusal_of_rights_stays_in_place_only_when_the_page_asks():
    def forbid():
        raise PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        call(forbid)
    in_place = call(forbid, denial_in_place=True)
    assert (in_place.ok, in_place.status) == (False, 403)
    request = _request()
    assert run_action(request, forbid, success="Done.", denial_in_place=True) is False
    assert _messages(request) == [("error", "Your role does not allow this.")]
    form = NameForm({"name": "Acme"})
    assert attempt(form, lambda data: forbid(), denial_in_place=True) is None
    assert form.errors["__all__"] == ["Your role does not allow this."]
