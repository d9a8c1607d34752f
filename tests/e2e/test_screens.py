"""Every screen from a phone to a desktop (issue 13): the dashboard, the client's portal and
its sign-off review, and the settings pages (agency, brand, team, availability, offers,
booking policy), each on the demo agency's data at 390, 1366 and 1920 pixels wide: no
horizontal scrolling, no console error, axe-core without a serious or critical violation, a
screenshot kept. On a phone the agency's menu folds behind a "Menu" button that opens it."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.bookings.models import ConsultationType
from apps.demo.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.conftest import assert_accessible, assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(390, 844), (1366, 768), (1920, 1080)]


@pytest.fixture
def demo():
    call_command("seed_demo", verbosity=0)


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def _check(page, path, name):
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    assert_fits(page, name)
    assert page.console_errors == [], f"{path}: {page.console_errors}"
    assert_accessible(page)


def test_every_screen_fits_from_a_phone_to_a_desktop(sized_page, demo):
    # One test for every width: the demo data (half a minute to build) is built once.
    for width, height in SIZES:
        _screens_at(sized_page, width, height)


def _screens_at(sized_page, width, height):
    page = sized_page(width, height, time_zone="Europe/Berlin", locale="en-US")
    _sign_in(page, "owner@northwind.test")
    offer = ConsultationType.objects.get(slug="prototype-review")
    screens = {
        "dashboard": reverse("dashboard", args=["northwind"]),
        "settings": reverse("agency_settings", args=["northwind"]),
        "settings-brand": reverse("agency_brand", args=["northwind"]),
        "settings-team": reverse("members", args=["northwind"]),
        "availability": reverse("availability", args=["northwind"]),
        "offers": reverse("offers", args=["northwind"]),
        "offer-edit": reverse("offer_edit", args=["northwind", offer.pk]),
        "booking-policy": reverse("booking_policy", args=["northwind"]),
    }
    for name, path in screens.items():
        _check(page, path, name)
    if width < 640:
        _the_menu_folds_behind_a_button(page)
    else:
        assert not page.get_by_role("button", name="Menu").is_visible()
        assert page.locator("#sidebar").get_by_role("link", name="Availability").is_visible()

    client = sized_page(width, height, time_zone="America/Los_Angeles", locale="en-US")
    _sign_in(client, "client@acme.test")
    _check(client, reverse("portal", args=["northwind"]), "portal")
    boxes = client.locator("input[name=items]")
    assert boxes.count(), "the demo client has items waiting for sign-off"
    boxes.first.check()
    client.get_by_role("button", name="Review and sign off").click()
    client.wait_for_load_state()
    assert_fits(client, "portal-sign-off")
    assert client.console_errors == []
    assert_accessible(client)


def _the_menu_folds_behind_a_button(page):
    page.goto(reverse("dashboard", args=["northwind"]))
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible()
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.locator("#sidebar").get_by_role("link", name="Availability").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    availability = page.locator("#sidebar").get_by_role("link", name="Availability")
    assert availability.is_visible()
    availability.click()
    page.wait_for_url("**/availability/")
