"""Booking fixtures: an agency with hosts in different time zones and an offer."""

from datetime import time

import pytest

from apps.agencies.roles import Role
from apps.bookings import services

NINE_TO_FIVE = {day: [(time(9), time(17))] for day in range(5)}


@pytest.fixture
def make_host(agency, owner, make_member):
    def make(time_zone="Europe/Berlin", weekly=None, role=Role.ENGINEER, **user):
        member = make_member(agency, role, time_zone=time_zone, **user)
        services.schedule_save(
            actor=owner, member=member, time_zone=time_zone, weekly=weekly or NINE_TO_FIVE
        )
        return member

    return make


@pytest.fixture
def make_offer(agency, owner):
    def make(hosts, **fields):
        defaults = {
            "name": "Prototype review",
            "slug": "prototype-review",
            "duration_minutes": 30,
            "interval_minutes": 30,
            "minimum_notice_minutes": 0,
            "booking_window_days": 60,
            "location": "video",
            "location_detail": "https://meet.example/northwind",
        }
        return services.offer_save(actor=owner, hosts=hosts, **{**defaults, **fields})

    return make


@pytest.fixture
def booker():
    def make(**fields):
        values = {
            "name": "Fran Founder",
            "email": "fran@acme.test",
            "time_zone": "America/New_York",
        }
        return services.Booker(**{**values, **fields})

    return make
