"""The public booking page at real size (issue 13): the agency's name, no product sign-in
header; times on the visitor's clock (12-hour in en-US, 24-hour in en-GB); the zone by its
city; no horizontal scrolling from a phone to a desktop; axe clean."""

import re
from datetime import time

import pytest

from apps.agencies.roles import Role
from apps.bookings import services
from tests.e2e.conftest import assert_accessible, assert_fits, choose_day, tab_to
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def offer():
    agency = AgencyFactory(name="Northwind Studio", slug="northwind", time_zone="Europe/Berlin")
    owner = MembershipFactory(agency=agency, role=Role.OWNER)
    host = MembershipFactory(agency=agency, role=Role.ENGINEER)
    services.schedule_save(
        actor=owner, member=host, time_zone="Europe/Berlin",
        weekly={d: [(time(9), time(17))] for d in range(7)},
    )  # fmt: skip
    return services.offer_save(
        actor=owner, hosts=[host], name="Prototype review", slug="prototype-review",
        duration_minutes=30, interval_minutes=30, minimum_notice_minutes=60,
    )  # fmt: skip


def _times(page):
    page.goto("/book/northwind/prototype-review/")
    page.wait_for_url(re.compile(r"tz="))
    choose_day(page, 2)
    return page.locator(".time-list a").all_inner_texts()


def test_en_us_reads_a_12_hour_clock_and_en_gb_a_24_hour_one(sized_page, offer):
    american = _times(sized_page(1366, 768, time_zone="America/New_York", locale="en-US"))
    british = _times(sized_page(1366, 768, time_zone="Europe/London", locale="en-GB"))
    assert american
    assert all(re.fullmatch(r"\d{1,2}:\d\d [AP]M", t) for t in american), american[:3]
    assert british
    assert all(re.fullmatch(r"\d\d:\d\d", t) for t in british), british[:3]


def test_a_visitor_in_kolkata_sees_the_zone_by_its_city(sized_page, offer):
    page = sized_page(1366, 768, time_zone="Asia/Kolkata", locale="en-IN")
    page.goto("/book/northwind/prototype-review/")
    page.wait_for_url(re.compile(r"tz="))  # Chromium says Asia/Calcutta: the page knows it
    chosen = page.get_by_label("Times shown in").locator("option:checked").inner_text()
    assert chosen == "Kolkata (Asia) · UTC+05:30"
    page.get_by_label("Find a city").fill("tokyo")
    visible = page.get_by_label("Times shown in").locator("option:not([hidden])")
    assert visible.all_inner_texts() == ["Tokyo (Asia) · UTC+09:00"]


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768), (1920, 1080)])
def test_the_booking_page_is_the_agencys_and_fits_the_screen(sized_page, offer, width, height):
    page = sized_page(width, height, time_zone="Europe/Paris")
    page.goto("/book/northwind/prototype-review/")
    page.wait_for_url(re.compile(r"tz="))
    header = page.locator("header.topbar")
    assert "Northwind Studio" in header.inner_text()
    assert page.get_by_role("link", name="Create an account").count() == 0
    assert page.get_by_role("link", name="Sign in").count() == 0
    choose_day(page, 2)
    assert_fits(page, "booking")
    assert page.console_errors == []
    assert_accessible(page)


def test_a_day_swaps_in_its_times_without_a_reload_and_focus_follows(sized_page, offer):
    page = sized_page(1366, 768, time_zone="Europe/Berlin")
    page.goto("/book/northwind/prototype-review/")
    page.wait_for_url(re.compile(r"tz="))
    page.evaluate("window.__stayed = true")
    day = choose_day(page, 1)
    assert page.evaluate("window.__stayed === true")  # htmx swapped the picker only
    assert f"day={day}" in page.url  # and the address still names the day (back, share)
    page.wait_for_function("() => document.activeElement.id === 'times-title'")
    title = page.locator("#month-title").inner_text()
    page.locator('a[data-focus-key="next"]').click()
    page.wait_for_function(
        "t => document.getElementById('month-title').textContent.trim() !== t", arg=title
    )
    # Focus moves once htmx has settled the new month (a moment after the swap).
    page.wait_for_function(
        "() => ['next', 'month'].includes(document.activeElement.dataset.focusKey)"
    )
    assert page.console_errors == []


def test_the_calendar_works_without_javascript(browser, live_server, offer):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/book/northwind/prototype-review/?tz=Europe/Berlin")
        free = page.locator("a.month__day--free")
        day = free.nth(1).get_attribute("data-day")
        free.nth(1).click()
        page.wait_for_url(re.compile(f"day={day}"))
        assert page.locator(f'a[data-day="{day}"][aria-current="date"]').count() == 1
        page.locator(".time-list a").first.click()
        assert page.get_by_label("Your name").count() == 1
    finally:
        context.close()


def test_booking_with_the_keyboard_only(sized_page, offer):
    page = sized_page(1366, 768, time_zone="Europe/Berlin")
    page.goto("/book/northwind/prototype-review/")
    page.wait_for_url(re.compile(r"tz="))
    tab_to(page, "a.month__day--free")
    page.keyboard.press("Enter")
    page.locator("a.month__day--free[aria-current='date']").wait_for()
    page.wait_for_function("() => document.activeElement.id === 'times-title'")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.time-list__time')")
    page.keyboard.press("Enter")
    page.get_by_label("Your name").wait_for()
    tab_to(page, "#id_name")
    page.keyboard.type("Kim Keys")
    tab_to(page, "#id_email")
    page.keyboard.type("kim@keys.test")
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("booked").first.wait_for()
    assert "/book/manage/" in page.url
    assert page.console_errors == []


def test_a_failed_submit_puts_focus_on_the_first_field_in_error(sized_page, offer):
    page = sized_page(1366, 768, time_zone="Europe/Berlin")
    page.goto("/book/northwind/prototype-review/")
    page.wait_for_url(re.compile(r"tz="))
    choose_day(page, 1)
    page.locator(".time-list a").first.click()
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name=re.compile("^Book")).click()
    page.locator(".error-summary").wait_for()
    assert page.evaluate("document.activeElement.id") == "id_name"
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
