"""The first thing anyone does: sign up, verify the email, create an agency, land on it."""

import re

import pytest
from django.core import mail

from apps.accounts.models import User
from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Role
from tests.e2e.conftest import assert_accessible
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_create_agency_and_land_on_its_dashboard(new_page, live_server):
    page = new_page(time_zone="America/Sao_Paulo")
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Create your agency").click()

    page.get_by_label("Your name").fill("Fran Founder")
    page.get_by_label("Email").fill("fran@example.test")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-1")
    page.get_by_label("Password (again)").fill("a-long-passphrase-1")
    assert_accessible(page)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    user = User.objects.get(email="fran@example.test")
    assert user.time_zone == "America/Sao_Paulo"  # detected by the browser at sign-up
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    page.goto(link.group(1))
    page.get_by_role("button", name="Confirm").click()

    page.get_by_role("heading", name="Create your agency").wait_for()
    assert page.url.endswith("/onboarding/")
    assert page.get_by_label("Time zone").input_value() == "America/Sao_Paulo"
    assert_accessible(page)
    page.get_by_label("Agency name").fill("Bright Labs")
    page.get_by_label("Web address").fill("bright-labs")
    page.get_by_role("button", name="Create agency").click()

    page.get_by_role("heading", name="Bright Labs").wait_for()
    assert page.url == f"{live_server.url}/bright-labs/"
    assert page.get_by_text("Bright Labs is ready").is_visible()
    assert_accessible(page)
    agency = Agency.objects.get(slug="bright-labs")
    assert agency.time_zone == "America/Sao_Paulo"
    assert Membership.objects.get(agency=agency, user=user).role == Role.OWNER


def test_a_reserved_address_is_explained_at_the_top_and_beside_the_field(new_page):
    UserFactory(email="x@example.test")  # with a verified address, as sign-in needs
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("x@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Create your agency").wait_for()
    page.get_by_label("Agency name").fill("API people")
    page.get_by_label("Web address").fill("api")
    page.get_by_role("button", name="Create agency").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert "reserved" in summary.inner_text()
    assert page.locator(".field__error").first.is_visible()
    assert_accessible(page)
    assert not Agency.objects.exists()
    assert mail.outbox == []
