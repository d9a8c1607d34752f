"""An htmx request after the session ended goes to the sign-in page as a whole page (found by
Lighthouse: the bell, polled every minute, swapped the whole sign-in page into the top bar)."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def bell(agency):
    return reverse("notification_bell", args=[agency.slug])


def test_an_ended_sessions_fragment_request_sends_the_page_to_sign_in(bell, agency):
    page = f"http://testserver/{agency.slug}/projects/?stage=build"
    response = Client().get(bell, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=page)
    assert response.status_code == 200
    assert (
        response["HX-Redirect"]
        == "/accounts/login/?next=%2F" + f"{agency.slug}%2Fprojects%2F%3Fstage%3Dbuild"
    )
    assert b"<html" not in response.content  # nothing for htmx to swap in


def test_without_the_current_page_the_fragments_own_next_is_kept(bell):
    response = Client().get(bell, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert "bell" in response["HX-Redirect"]


def test_a_current_page_on_another_host_is_not_followed(bell):
    response = Client().get(
        bell, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.test/phish"
    )
    assert "evil.test" not in response["HX-Redirect"]


def test_a_plain_request_keeps_the_ordinary_redirect(bell):
    response = Client().get(bell)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "HX-Redirect" not in response


def test_other_redirects_of_htmx_requests_are_left_alone(rf):
    from django.shortcuts import redirect

    from apps.core.middleware import HtmxSignInRedirectMiddleware

    request = rf.get("/x/", HTTP_HX_REQUEST="true")
    request.htmx = True
    response = HtmxSignInRedirectMiddleware(lambda r: redirect("/elsewhere/"))(request)
    assert response.status_code == 302
    assert response["Location"] == "/elsewhere/"
    assert "HX-Redirect" not in response
