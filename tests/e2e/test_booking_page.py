"""The public booking page at real size (issue 13): the agency's name, no product sign-in
header; times on the visitor's clock (12-hour in en-US, 24-hour in en-GB); the zone by its
city; no horizontal scrolling from a phone to a desktop; axe clean."""

import re
from datetime import time

import pytest

from apps.agencies.roles import Role
from apps.bookings import services
from tests.e2e.conftest import assert_accessible, assert_fits
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
    page.locator(".day-list a").nth(2).click()
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
    page.locator(".day-list a").nth(2).click()
    assert_fits(page, "booking")
    assert page.console_errors == []
    assert_accessible(page)
