"""Booking end to end in Chromium: a visitor in Los Angeles books on the public page (times
in her zone, detected by the browser), gets the confirmation email, reschedules through its
link, and the host in Berlin sees the booking moved, in Berlin time."""

import re
from datetime import time
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from apps.agencies.roles import Role
from apps.bookings import services
from apps.bookings.models import Booking
from apps.core.templatetags.ui import hm
from tests.e2e.conftest import assert_accessible, choose_day
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-1"


def test_visitor_books_reschedules_and_the_host_sees_the_move(new_page):
    from apps.accounts.models import User

    agency = AgencyFactory(name="Northwind", slug="northwind", time_zone="Europe/Berlin")
    owner = MembershipFactory(agency=agency, role=Role.OWNER)
    user = User.objects.create_user(
        email="hana@northwind.test", password=PASSWORD, name="Hana Host", time_zone="Europe/Berlin"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    host = MembershipFactory(agency=agency, user=user, role=Role.ENGINEER)
    services.schedule_save(
        actor=owner, member=host, time_zone="Europe/Berlin",
        weekly={d: [(time(9), time(17))] for d in range(7)},
    )  # fmt: skip
    services.offer_save(
        actor=owner, hosts=[host], name="Prototype review", slug="prototype-review",
        duration_minutes=30, interval_minutes=30, minimum_notice_minutes=60,
    )  # fmt: skip

    # 1. The visitor books; the page shows her zone without being told.
    visitor = new_page("America/Los_Angeles")
    visitor.goto("/book/northwind/")
    visitor.get_by_role("link", name="Choose a time").click()
    visitor.wait_for_url(re.compile(r"tz=America%2FLos_Angeles"))
    assert visitor.get_by_label("Times shown in").input_value() == "America/Los_Angeles"
    assert_accessible(visitor)
    # Two days after the first day offered: always more than the 24 hours' notice a change
    # online needs, whatever the time of day the test runs.
    choose_day(visitor, 2)
    first_time = visitor.locator(".time-list a").first
    chosen_label = first_time.inner_text()
    first_time.click()
    visitor.get_by_label("Your name").fill("Fran Founder")
    visitor.get_by_label("Email").fill("fran@acme.test")
    visitor.get_by_label("Company").fill("Acme")
    visitor.get_by_label("I agree to the privacy notice above.").check()
    assert_accessible(visitor)
    visitor.get_by_role("button", name=re.compile("^Book ")).click()
    visitor.get_by_role("heading", name=re.compile("You're booked")).wait_for()
    assert chosen_label in visitor.locator("#when-title").inner_text()
    booking = Booking.objects.get()
    la = booking.start.astimezone(ZoneInfo("America/Los_Angeles"))
    # The browser's language is en-US (Playwright's default): a 12-hour clock.
    assert hm(la, "12") == chosen_label

    # 2. The confirmation email carries the link; she moves the booking through it.
    to_fran = [m for m in mail.outbox if m.to == ["fran@acme.test"]]
    assert len(to_fran) == 1
    link = re.search(r"https?://[^/\s]+(/book/manage/\S+/)", to_fran[0].body).group(1)
    visitor.goto(link)
    visitor.get_by_role("link", name="Reschedule").click()
    choose_day(visitor, 3)
    visitor.locator(".time-list a").nth(1).click()
    visitor.get_by_role("button", name="Move my booking").click()
    visitor.get_by_text("Your booking has moved").wait_for()
    booking.refresh_from_db()
    assert booking.sequence == 1
    assert [m.subject.split(":")[0] for m in mail.outbox if m.to == ["fran@acme.test"]] == [
        "Confirmed", "Moved",
    ]  # fmt: skip

    # 3. The host, in Berlin, sees the booking at its new time.
    host_page = new_page("Europe/Berlin")
    host_page.goto("/accounts/login/")
    host_page.get_by_label("Email").fill("hana@northwind.test")
    host_page.get_by_label("Password").fill(PASSWORD)
    host_page.get_by_role("button", name="Sign In").click()
    host_page.goto("/northwind/bookings/")
    berlin = booking.start.astimezone(ZoneInfo("Europe/Berlin"))
    row = host_page.get_by_role("row", name=re.compile("Fran Founder"))
    # The staff pages read the viewer's clock too: the browser here says en-US.
    assert hm(berlin, "12") in row.inner_text()
    assert_accessible(host_page)
