"""Outgoing webhooks: a booking's event reaches a receiver that verifies its signature; a
receiver that fails three times gets the event once, after the retries; addresses that are
not public https are refused; bad input to the endpoint services and pages changes nothing;
a day of failures switches the endpoint off and tells the admins."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core import crypto
from apps.notifications import endpoints, webhooks
from apps.notifications.models import Delivery, Notification, WebhookAttempt, WebhookEndpoint
from tests.privacy.search import snapshot

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)


def _endpoint(owner, url, events=("booking.created",)):
    return endpoints.endpoint_create(actor=owner, url=url, events=list(events))


def test_a_booking_reaches_the_receiver_signed_and_the_receiver_verifies_it(owner, book, receiver):
    hook = receiver()
    endpoint, secret = _endpoint(owner, hook.url)
    with time_machine.travel(NOW, tick=False):
        booking = book(START)
    assert len(hook.requests) == 1
    request = hook.requests[0]
    body = json.loads(request["body"])
    assert body["type"] == "booking.created"
    assert body["data"]["booking"]["id"] == str(booking.pk)
    assert request["headers"]["Launchpad-Event-Id"] == body["id"]
    # What docs/webhooks.md tells a receiver to do: HMAC-SHA256 of "t.body" with the secret.
    header = request["headers"]["Launchpad-Signature"]
    timestamp = int(dict(p.split("=", 1) for p in header.split(","))["t"])
    assert webhooks.verify(secret, header, request["body"], now=timestamp)
    assert not webhooks.verify("whsec_wrong", header, request["body"], now=timestamp)
    assert not webhooks.verify(secret, header, request["body"] + b" ", now=timestamp)
    assert not webhooks.verify(secret, header, request["body"], now=timestamp + 3600)  # replayed
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.endpoint) == (200, endpoint)
    assert Delivery.objects.get(channel="webhook").status == "sent"


def test_a_receiver_failing_three_times_gets_the_event_once_after_the_retries(
    owner, book, receiver, dispatch
):
    hook = receiver(codes=(500, 500, 500, 200))
    _endpoint(owner, hook.url)
    with time_machine.travel(NOW, tick=False) as clock:
        book(START)
        for _ in range(6):  # the backoff is at most a few minutes for the first tries
            clock.shift(timedelta(minutes=10))
            dispatch()
    assert [json.loads(r["body"])["id"] for r in hook.requests].count(
        json.loads(hook.requests[0]["body"])["id"]
    ) == 4
    assert len(hook.requests) == 4
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts) == ("sent", 4)
    codes = list(
        WebhookAttempt.objects.order_by("created_at").values_list("status_code", flat=True)
    )
    assert codes == [500, 500, 500, 200]
    assert WebhookEndpoint.objects.get().failing_since is None  # cleared by the success


def test_a_day_of_failures_switches_the_endpoint_off_and_tells_the_admins(
    owner, book, receiver, dispatch, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 100
    hook = receiver(codes=(503,))
    _endpoint(owner, hook.url)
    with time_machine.travel(NOW, tick=False) as clock:
        book(START)
        for _ in range(30):
            clock.shift(timedelta(hours=1))
            dispatch()
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.is_active is False
    assert "for a day" in endpoint.disabled_reason
    assert Delivery.objects.get(channel="webhook").status == "dropped"
    assert Notification.objects.filter(user=owner.user, kind="webhook.disabled").count() == 1
    assert AuditEvent.objects.filter(verb="webhook.disabled").count() == 1
    sent = len(hook.requests)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        dispatch()
    assert len(hook.requests) == sent  # switched off: nothing more is sent


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "https only"),
        ("https://127.0.0.1/hook", "private or internal"),
        ("https://localhost/hook", "private or internal"),
        ("https://[::ffff:10.0.0.1]/hook", "private or internal"),
        ("https://169.254.169.254/latest/meta-data", "private or internal"),
        ("https://user:pass@hooks.example.com/x", "user name or password"),
        ("https://" + "a" * 600 + ".com/", "under 500"),
        ("not a url", "https only"),
    ],
)
def test_addresses_that_are_not_public_https_are_refused(owner, settings, url, message):
    settings.WEBHOOK_BLOCK_PRIVATE_NETWORKS = True
    settings.WEBHOOK_ALLOW_HTTP = False
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        _endpoint(owner, url)
    assert message in str(refused.value)
    assert snapshot() == before


def test_a_host_that_resolves_to_a_private_address_is_refused_when_sending_too(
    owner, book, settings, monkeypatch
):
    """DNS changed after the endpoint was saved: the send checks again and does not connect."""
    import socket

    endpoint, _ = _endpoint(owner, "https://hooks.example.com/launchpad")
    settings.WEBHOOK_BLOCK_PRIVATE_NETWORKS = True
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.1.2.3", 443))])
    with time_machine.travel(NOW, tick=False):
        book(START)
    attempt = WebhookAttempt.objects.get(endpoint=endpoint)
    assert attempt.status_code is None
    assert "private or internal" in attempt.error
    assert Delivery.objects.get(channel="webhook").status == "pending"  # retried later


def test_bad_input_to_the_endpoint_services_changes_nothing(
    owner, engineer, other_agency, make_member
):
    before = snapshot()
    with pytest.raises(ValidationError, match="Unknown event"):
        _endpoint(owner, "https://hooks.example.com/x", events=["booking.exploded"])
    with pytest.raises(ValidationError, match="at least one"):
        _endpoint(owner, "https://hooks.example.com/x", events=[])
    with pytest.raises(ValidationError, match="under 200"):
        endpoints.endpoint_create(
            actor=owner, url="https://hooks.example.com/x", events=["scan.finished"],
            description="x" * 201,
        )  # fmt: skip
    from apps.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        _endpoint(engineer, "https://hooks.example.com/x")
    assert snapshot() == before
    # Another agency's endpoint: its admin cannot change or delete ours.
    ours, _ = _endpoint(owner, "https://hooks.example.com/x")
    theirs = make_member(other_agency, "owner")
    with pytest.raises(PermissionDeniedError):
        endpoints.endpoint_delete(actor=theirs, endpoint=ours)
    assert WebhookEndpoint.objects.filter(pk=ours.pk).exists()


def test_the_pages_show_the_secret_once_and_refuse_bad_input_and_foreign_ids(
    owner, login, other_agency, make_member
):
    client = login(owner)
    url = reverse("webhook_list", args=[owner.agency.slug])
    response = client.post(
        url, {"url": "https://hooks.example.com/in", "events": ["scan.finished"]}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    secret = crypto.decrypt(endpoint.secret_encrypted)
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert secret not in client.get(url).content.decode()  # shown once
    before = snapshot()
    bad = client.post(url, {"url": "https://hooks.example.com/in", "events": ["nope"]})
    assert bad.status_code == 200
    assert "Unknown event" in bad.content.decode()
    bad = client.post(url, {"url": "ftp://hooks.example.com/in", "events": ["scan.finished"]})
    assert "https only" in bad.content.decode()
    assert snapshot() == before
    # A foreign agency's endpoint id is a 404 on every page, and changes nothing.
    theirs, _ = _endpoint(make_member(other_agency, "owner"), "https://other.example.com/in")
    for name in ("webhook_detail", "webhook_rotate", "webhook_delete"):
        path = reverse(name, args=[owner.agency.slug, theirs.pk])
        assert (
            client.post(
                path, {"url": "https://x.example.com", "events": ["scan.finished"]}
            ).status_code
            == 404
        )
    assert WebhookEndpoint.objects.get(pk=theirs.pk).url == "https://other.example.com/in"
    # Rotating shows a new secret, once, and the old one stops signing.
    rotated = client.post(reverse("webhook_rotate", args=[owner.agency.slug, endpoint.pk]))
    endpoint.refresh_from_db()
    new_secret = crypto.decrypt(endpoint.secret_encrypted)
    assert new_secret != secret
    assert new_secret in rotated.content.decode()
