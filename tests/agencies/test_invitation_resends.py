"""Invitation resends are limited (INVITATION_RESENDS_PER_DAY, counted from the audit trail's
INVITATION_RESENT rows): past the limit a resend is refused with a clear message (a 429 with
Retry-After in the API) and changes nothing: no new link, no email, no audit row."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from apps.agencies import services
from apps.agencies.models import Invitation
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from tests.support.api import assert_error, bearer

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 9, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch, settings):
    settings.INVITATION_RESENDS_PER_DAY = 3
    moment = {"now": NOW}
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment["now"])
    return moment


@pytest.fixture
def invitation(owner, committing):
    invitation, _raw = committing(
        services.invitation_create, actor=owner, email="new@example.test", role=Role.ENGINEER
    )
    return invitation


def _resends() -> int:
    return AuditEvent.objects.filter(verb=Verb.INVITATION_RESENT).count()


def test_resends_past_the_daily_limit_are_refused_on_the_page(
    clock, invitation, owner, login, agency, committing
):
    client = login(owner)
    url = reverse("invitation_resend", args=[agency.slug, invitation.pk])
    for _ in range(3):
        committing(client.post, url)
    assert _resends() == 3
    before = Invitation.objects.get(pk=invitation.pk)
    sent = len(mail.outbox)
    page = committing(client.post, url, follow=True).content.decode()
    assert "resent 3 times in the last 24 hours" in page
    after = Invitation.objects.get(pk=invitation.pk)
    assert (after.token_hash, after.expires_at) == (before.token_hash, before.expires_at)
    assert len(mail.outbox) == sent
    assert _resends() == 3


def test_the_api_answers_429_with_retry_after_and_the_day_passes(
    clock, invitation, owner, agency, committing
):
    _token, raw = services.api_token_create(actor=owner, name="script", expires_in_days=30)
    url = reverse("api_invitation_resend", args=[agency.slug, invitation.pk])
    for hour in range(3):
        clock["now"] = NOW + timedelta(hours=hour)
        assert committing(bearer(raw).post, url).status_code == 200
    refused = bearer(raw).post(url)
    assert_error(refused, 429, code="resend_limit", text="resent 3 times")
    # The first of the three leaves the window 24 hours after it was sent.
    assert int(refused["Retry-After"]) == 22 * 3600
    clock["now"] = NOW + timedelta(hours=24, seconds=1)
    assert committing(bearer(raw).post, url).status_code == 200
    assert _resends() == 4


def test_each_invitation_has_its_own_count(clock, invitation, owner, committing):
    for _ in range(3):
        committing(services.invitation_resend, actor=owner, invitation=invitation)
    other, _raw = services.invitation_create(
        actor=owner, email="other@example.test", role=Role.ENGINEER
    )
    services.invitation_resend(actor=owner, invitation=other)
    with pytest.raises(services.ApplicationError, match="resent 3 times"):
        services.invitation_resend(actor=owner, invitation=invitation)
