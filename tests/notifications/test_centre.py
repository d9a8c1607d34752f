"""The in-app notification centre: the member's own notices, the bell's count, mark read (and
by htmx), mark all read; another member's notice is a 404 and stays unread. Email
preferences and the unsubscribe link: what can be switched off is, and a forged link is
refused."""

import pytest
from django.urls import reverse

from apps.notifications import mail as outbox_mail
from apps.notifications.models import EmailOptOut, Notification
from tests.privacy.search import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(engineer, admin_member):
    def make(member, n):
        return [
            Notification.objects.create(
                agency=member.agency, user=member.user, kind="scan.failed", title=f"Notice {i}"
            )
            for i in range(n)
        ]

    return {"mine": make(engineer, 3), "theirs": make(admin_member, 2)}


def test_the_centre_lists_only_the_members_notices_and_marks_them_read(engineer, login, notices):
    client = login(engineer)
    slug = engineer.agency.slug
    page = client.get(reverse("notifications", args=[slug])).content.decode()
    assert "Notice 0" in page
    assert "3 unread" in page
    bell = client.get(reverse("notification_bell", args=[slug])).content.decode()
    assert "3 unread" in bell
    first = notices["mine"][0]
    response = client.post(
        reverse("notification_read", args=[slug, first.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in response.content.decode()  # the bell's new count
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications_read_all", args=[slug]))
    assert not Notification.objects.filter(user=engineer.user, read_at__isnull=True).exists()


def test_another_members_notice_is_a_404_and_stays_unread(engineer, login, notices):
    client = login(engineer)
    theirs = notices["theirs"][0]
    response = client.post(reverse("notification_read", args=[engineer.agency.slug, theirs.pk]))
    assert response.status_code == 404
    client.post(reverse("notifications_read_all", args=[engineer.agency.slug]))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = client.get(reverse("notifications", args=[engineer.agency.slug])).content.decode()
    assert "Notice 0" in page
    assert theirs.title not in page.replace("Notice 0", "")


def test_preferences_switch_optional_kinds_off_and_leave_the_others(engineer, login):
    client = login(engineer)
    url = reverse("notification_preferences")
    page = client.get(url).content.decode()
    assert "Daily digest" in page
    assert "Consultation reminders" in page
    # Everything unticked but the digest: every optional staff kind is off except it.
    assert client.post(url, {"digest": "on"}).status_code == 302
    off = set(EmailOptOut.objects.filter(user=engineer.user).values_list("kind", flat=True))
    assert "digest" not in off
    assert "scan.failed" in off
    assert "booking.reminder" in off
    client.post(url, {"digest": "on", "scan.failed": "on", "booking.reminder": "on",
                      "checklist.mention": "on", "scan.new_gaps": "on",
                      "webhook.disabled": "on", "invitation.expired": "on"})  # fmt: skip
    assert not EmailOptOut.objects.filter(user=engineer.user).exists()


def test_a_forged_or_unknown_unsubscribe_link_is_refused_and_changes_nothing(client, engineer):
    before = snapshot()
    for token in (
        "nonsense",
        outbox_mail.unsubscribe_token(kind="digest", user_id=engineer.user_id) + "x",
    ):
        assert client.post(reverse("notifications_unsubscribe", args=[token])).status_code == 404
    # A kind that cannot be switched off (security mail), even with a good signature.
    token = outbox_mail.unsubscribe_token(kind="booking.notice", user_id=engineer.user_id)
    assert client.post(reverse("notifications_unsubscribe", args=[token])).status_code == 404
    assert snapshot() == before
    good = outbox_mail.unsubscribe_token(kind="digest", user_id=engineer.user_id)
    assert client.post(reverse("notifications_unsubscribe", args=[good])).status_code == 200
    assert EmailOptOut.objects.filter(user=engineer.user, kind="digest").exists()
