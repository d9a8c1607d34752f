"""The daily digest at 08:00 in each person's own zone, DST included: planned a day ahead,
sent once, saying what is due and overdue for them, and not sent on a day with nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from apps.checklists import services as checklist_services
from apps.checklists.models import ProjectItem
from apps.notifications.digest import plan
from apps.notifications.models import Delivery
from tests.notifications.conftest import sent_to

pytestmark = pytest.mark.django_db


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _digest_due(member) -> datetime:
    return Delivery.objects.get(kind="digest", user=member.user).due_at


@pytest.mark.parametrize(
    ("zone", "planned_at", "due"),
    [
        # Saturday 28 March, after 08:00 in Berlin: the next is Sunday, the day clocks go
        # forward: 08:00 CEST is 06:00 UTC (the day before it was 07:00 UTC).
        ("Europe/Berlin", utc(2026, 3, 28, 7, 30), utc(2026, 3, 29, 6, 0)),
        # New York changed on 8 March: 08:00 EDT is 12:00 UTC.
        ("America/New_York", utc(2026, 3, 28, 7, 30), utc(2026, 3, 28, 12, 0)),
        # Autumn, Berlin back on CET: 25 October 08:00 CET is 07:00 UTC.
        ("Europe/Berlin", utc(2026, 10, 24, 9, 0), utc(2026, 10, 25, 7, 0)),
        ("Asia/Kolkata", utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 2, 30)),
    ],
)  # fmt: skip
def test_the_digest_is_planned_for_0800_in_the_persons_zone(
    agency, make_member, zone, planned_at, due
):
    member = make_member(agency, "engineer", time_zone=zone)
    with time_machine.travel(planned_at, tick=False):
        plan()
        plan()  # planning again (every 15 minutes) writes nothing more
    assert Delivery.objects.filter(kind="digest", user=member.user).count() == 1
    assert _digest_due(member) == due


@pytest.fixture
def due_items(portal, owner, engineer):
    """Three of the engineer's items: overdue, due tomorrow, due in a week."""
    items = list(ProjectItem.objects.filter(project=portal).order_by("key")[:3])
    for item, due in zip(
        items, (date(2026, 3, 27), date(2026, 3, 30), date(2026, 4, 6)), strict=True
    ):
        checklist_services.item_update(actor=owner, item=item, assignee=engineer, due_date=due)
    return items


def test_the_digest_lists_what_is_due_soon_and_overdue_once(engineer, due_items, dispatch):
    engineer.user.time_zone = "Europe/Berlin"
    engineer.user.save()
    with time_machine.travel(datetime(2026, 3, 28, 9, 0, tzinfo=UTC), tick=False):
        plan()
        mail.outbox.clear()
    with time_machine.travel(datetime(2026, 3, 29, 5, 59, tzinfo=UTC), tick=False):
        dispatch()
    assert sent_to("digest") == []
    with time_machine.travel(datetime(2026, 3, 29, 6, 0, tzinfo=UTC), tick=False):
        dispatch()
        dispatch()
    assert sent_to("digest") == [engineer.user.email]
    body = mail.outbox[-1].body
    overdue, tomorrow, later = due_items
    assert overdue.title in body
    assert "overdue since 27 March" in body
    assert tomorrow.title in body
    assert "due Monday" in body
    assert later.title not in body  # a week away: not yet
    assert "List-Unsubscribe" in mail.outbox[-1].extra_headers


def test_a_day_with_nothing_to_tell_sends_no_digest(engineer, dispatch):
    with time_machine.travel(datetime(2026, 3, 28, 9, 0, tzinfo=UTC), tick=False):
        plan()
        mail.outbox.clear()
    with time_machine.travel(_digest_due(engineer) + timedelta(minutes=1), tick=False):
        dispatch()
    assert sent_to("digest") == []
    assert Delivery.objects.get(kind="digest", user=engineer.user).status == "dropped"


def test_a_digest_switched_off_is_not_sent(engineer, due_items, dispatch):
    from apps.notifications.services import email_preferences_save

    email_preferences_save(user=engineer.user, switched_off=["digest"])
    with time_machine.travel(datetime(2026, 3, 28, 9, 0, tzinfo=UTC), tick=False):
        plan()
        mail.outbox.clear()
    with time_machine.travel(_digest_due(engineer), tick=False):
        dispatch()
    assert sent_to("digest") == []
