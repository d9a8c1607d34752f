"""Rescans on push (issue 14, item 7): an engagement connects its repository's push webhook
(GitHub or GitLab), and a verified push to the default branch queues one rescan. Forged,
replayed, unknown, malformed, oversized and mistyped deliveries are refused with nothing
queued and nothing changed; pushes while a scan waits collapse into it; the secret is shown
once, stored encrypted, and replaced or removed by the people who may scan."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from apps.audit.models import AuditEvent, Verb
from apps.core.errors import PermissionDeniedError
from apps.core.models import PendingTask
from apps.scans import services, webhooks
from apps.scans.models import RepositoryPushDelivery, RepositoryWebhook, Scan
from tests.scans.helpers import assign, contact_of

pytestmark = [pytest.mark.django_db]

REPO = "https://github.com/acme/app.git"
GITLAB_REPO = "https://gitlab.com/acme/app.git"
SHA = "a" * 40
SHA2 = "b" * 40
GENERIC = {"detail": "Refused."}


@pytest.fixture
def project(scanned_project):
    return scanned_project(REPO)


@pytest.fixture
def hooked(project, owner):
    """The engagement with its push webhook connected: (project, webhook, secret)."""
    webhook, secret = services.repository_webhook_connect(actor=owner, project=project)
    return project, webhook, secret


def hook_url(webhook_or_id) -> str:
    public_id = getattr(webhook_or_id, "public_id", webhook_or_id)
    return reverse("repository_push", args=[public_id])


def github_push(
    *, ref="refs/heads/main", after=SHA, default="main", clone_url=REPO, **extra
) -> bytes:
    return json.dumps({
        "ref": ref, "before": "0" * 40, "after": after,
        "repository": {
            "full_name": "acme/app", "clone_url": clone_url,
            "html_url": clone_url.removesuffix(".git"), "default_branch": default,
        },
        "commits": [{"id": after, "message": "Fix"}],
        **extra,
    }).encode()  # fmt: skip


def gitlab_push(*, ref="refs/heads/main", after=SHA, default="main", url=GITLAB_REPO) -> bytes:
    return json.dumps({
        "object_kind": "push", "ref": ref, "before": "0" * 40, "after": after,
        "checkout_sha": after,
        "project": {"path_with_namespace": "acme/app", "git_http_url": url,
                    "web_url": url.removesuffix(".git"), "default_branch": default},
    }).encode()  # fmt: skip


def github_headers(secret: str, body: bytes, *, event="push", delivery=None) -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": f"sha256={signature}",
    }


def gitlab_headers(token: str, *, delivery=None, id_header="Idempotency-Key") -> dict[str, str]:
    return {
        "X-Gitlab-Event": "Push Hook",
        "X-Gitlab-Token": token,
        id_header: delivery or str(uuid.uuid4()),
    }


def deliver(client, webhook, body: bytes, headers, content_type="application/json"):
    return client.post(hook_url(webhook), body, content_type=content_type, headers=headers)


def queued_tasks(project) -> int:
    return PendingTask.objects.filter(
        agency=project.agency, name="apps.scans.tasks.run_scan"
    ).count()


def state(project) -> tuple:
    """Everything a delivery could change: scans, queued tasks, deliveries, the webhook row,
    the audit trail and the engagement's feed."""
    webhook = RepositoryWebhook.objects.filter(project=project).values().first()
    return (
        list(Scan.objects.filter(project=project).values_list("pk", "status")),
        queued_tasks(project),
        list(RepositoryPushDelivery.objects.values_list("pk", "delivery_id")),
        webhook,
        AuditEvent.objects.count(),
        project.activities.count() if hasattr(project, "activities") else None,
    )


# --- Verified pushes queue one rescan ----------------------------------------------------------


def test_a_github_push_to_the_default_branch_queues_one_rescan(hooked, client):
    project, webhook, secret = hooked
    body = github_push()
    response = deliver(client, webhook, body, github_headers(secret, body, delivery="gh-1"))

    assert response.status_code == 202
    assert response.json()["outcome"] == "queued"
    scan = Scan.objects.get(project=project)
    assert (scan.status, scan.trigger, scan.requested_by) == ("queued", "push", None)
    assert scan.get_trigger_display() == "Started by a push"
    assert response.json()["scan"] == str(scan.pk)
    assert queued_tasks(project) == 1
    delivery = RepositoryPushDelivery.objects.get(webhook=webhook)
    assert (delivery.delivery_id, delivery.provider, delivery.event) == ("gh-1", "github", "push")
    assert (delivery.outcome, delivery.commit_sha, delivery.scan) == ("queued", SHA, scan)


@pytest.mark.parametrize("id_header", ["Idempotency-Key", "X-Gitlab-Event-UUID"])
def test_a_gitlab_push_to_the_default_branch_queues_one_rescan(
    scanned_project, owner, client, id_header
):
    project = scanned_project(GITLAB_REPO)
    webhook, secret = services.repository_webhook_connect(actor=owner, project=project)
    headers = gitlab_headers(secret, delivery="gl-1", id_header=id_header)
    response = deliver(client, webhook, gitlab_push(), headers)

    assert response.status_code == 202, response.content
    scan = Scan.objects.get(project=project)
    assert (scan.status, scan.trigger) == ("queued", "push")
    assert queued_tasks(project) == 1
    delivery = RepositoryPushDelivery.objects.get(webhook=webhook)
    assert (delivery.delivery_id, delivery.provider, delivery.outcome) == (
        "gl-1",
        "gitlab",
        "queued",
    )


def test_a_github_ping_answers_200_and_is_recorded_as_the_last_delivery(hooked, client):
    project, webhook, secret = hooked
    body = json.dumps({"zen": "Keep it simple.", "hook_id": 1,
                       "repository": {"clone_url": REPO}}).encode()  # fmt: skip
    response = deliver(client, webhook, body, github_headers(secret, body, event="ping"))

    assert response.status_code == 200
    assert response.json()["outcome"] == "ping"
    assert RepositoryPushDelivery.objects.get(webhook=webhook).outcome == "ping"
    assert not Scan.objects.filter(project=project).exists()


def test_the_repository_address_matches_whatever_form_it_takes(hooked, client):
    project, webhook, secret = hooked
    body = github_push(clone_url="https://GitHub.com/Acme/App")
    response = deliver(client, webhook, body, github_headers(secret, body))
    assert response.status_code == 202
    assert Scan.objects.filter(project=project).count() == 1


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://github.com/acme/app.git", "github.com/acme/app"),
        ("https://GitHub.com/Acme/App/", "github.com/acme/app"),
        ("https://user:pw@github.com:443/acme/app.git", "github.com/acme/app"),
        ("git@github.com:acme/app.git", "github.com/acme/app"),
        ("ssh://git@gitlab.com/group/sub/app.git", "gitlab.com/group/sub/app"),
        ("https://github.com/", ""),
        ("not a url", ""),
    ],
)
def test_repository_addresses_are_compared_by_host_and_path(url, normalised):
    assert webhooks.normalise_repository_url(url) == normalised


# --- Several pushes, other branches, running scans ---------------------------------------------


def test_three_pushes_in_a_row_make_one_queued_scan(hooked, client):
    project, webhook, secret = hooked
    outcomes = []
    for sha in (SHA, SHA2, "c" * 40):
        body = github_push(after=sha)
        response = deliver(client, webhook, body, github_headers(secret, body))
        assert response.status_code == 202
        outcomes.append(response.json()["outcome"])

    assert outcomes == ["queued", "already_queued", "already_queued"]
    assert Scan.objects.filter(project=project).count() == 1
    assert queued_tasks(project) == 1
    assert RepositoryPushDelivery.objects.filter(webhook=webhook).count() == 3


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (github_push(ref="refs/heads/feature"), "not the default branch"),
        (github_push(ref="refs/tags/v1.0"), "Not a branch push"),
        (github_push(after="0" * 40, deleted=True), "deleted"),
    ],
    ids=["other-branch", "tag", "branch-deleted"],
)
def test_pushes_other_than_to_the_default_branch_are_ignored(hooked, client, body, reason):
    project, webhook, secret = hooked
    response = deliver(client, webhook, body, github_headers(secret, body))

    assert response.status_code == 202
    assert response.json()["outcome"] == "ignored"
    assert reason in response.json()["detail"]
    assert not Scan.objects.filter(project=project).exists()
    assert queued_tasks(project) == 0


def test_a_push_of_another_repository_is_refused_and_queues_nothing(hooked, client):
    project, webhook, secret = hooked
    body = github_push(clone_url="https://github.com/acme/other.git")
    response = deliver(client, webhook, body, github_headers(secret, body))

    assert response.status_code == 422
    assert response.json()["outcome"] == "wrong_repository"
    assert not Scan.objects.filter(project=project).exists()
    assert queued_tasks(project) == 0


def test_pushes_while_a_scan_runs_queue_one_follow_up_when_it_ends(hooked, client):
    project, webhook, secret = hooked
    running = Scan.objects.create(
        agency=project.agency, project=project, repository_url=REPO,
        status=Scan.Status.RUNNING, run_token="t" * 32,
    )  # fmt: skip
    for sha in (SHA, SHA2):
        body = github_push(after=sha)
        response = deliver(client, webhook, body, github_headers(secret, body))
        assert response.json()["outcome"] == "follow_up"
    webhook.refresh_from_db()
    assert webhook.follow_up_requested_at is not None
    assert Scan.objects.filter(project=project).count() == 1

    services.scan_fail(scan_id=running.pk, run_token="t" * 32, code="network", reason="x")

    follow_up = Scan.objects.get(project=project, status=Scan.Status.QUEUED)
    assert follow_up.trigger == "push"
    assert Scan.objects.filter(project=project).count() == 2
    webhook.refresh_from_db()
    assert webhook.follow_up_requested_at is None


# --- Refusals: nothing queued, nothing changed ----------------------------------------------


def _forged(secret, body):
    headers = github_headers(secret, body)
    headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    return headers


def _unsigned(secret, body):
    headers = github_headers(secret, body)
    del headers["X-Hub-Signature-256"]
    return headers


def _no_delivery_id(secret, body):
    headers = github_headers(secret, body)
    del headers["X-GitHub-Delivery"]
    return headers


def _signed_with_another_secret(_secret, body):
    return github_headers(webhooks.new_secret(), body)


def _gitlab_wrong_token(_secret, _body):
    return gitlab_headers("lpwh_not-the-token")


def _gitlab_no_delivery_id(secret, _body):
    headers = gitlab_headers(secret)
    del headers["Idempotency-Key"]
    return headers


def _no_provider(secret, body):
    headers = github_headers(secret, body)
    del headers["X-GitHub-Event"]
    return headers


@pytest.mark.parametrize(
    "make_headers",
    [_forged, _unsigned, _signed_with_another_secret, _no_delivery_id, _gitlab_wrong_token,
     _gitlab_no_delivery_id, _no_provider],
    ids=["forged-signature", "no-signature", "another-secret", "no-delivery-id",
         "gitlab-wrong-token", "gitlab-no-delivery-id", "no-provider"],
)  # fmt: skip
def test_an_unverified_delivery_is_refused_generically_and_changes_nothing(
    hooked, client, make_headers, caplog
):
    project, webhook, secret = hooked
    body = github_push()
    before = state(project)
    response = deliver(client, webhook, body, make_headers(secret, body))

    assert response.status_code == 403
    assert response.json() == GENERIC
    assert state(project) == before
    assert "push webhook refused" in caplog.text  # the reason is logged, not told


def test_an_unknown_engagement_id_is_refused_like_a_bad_signature(hooked, client):
    project, _webhook, secret = hooked
    body = github_push()
    before = state(project)
    response = deliver(client, "x" * 24, body, github_headers(secret, body))

    assert response.status_code == 403
    assert response.json() == GENERIC
    assert state(project) == before


def test_a_replayed_delivery_id_is_refused_and_queues_nothing_more(hooked, client):
    project, webhook, secret = hooked
    body = github_push()
    headers = github_headers(secret, body, delivery="same-id")
    assert deliver(client, webhook, body, headers).status_code == 202
    Scan.objects.filter(project=project).update(status=Scan.Status.SUCCEEDED)  # it ran
    before = state(project)

    again = deliver(client, webhook, body, headers)

    assert again.status_code == 403
    assert again.json() == GENERIC
    assert state(project) == before
    assert Scan.objects.filter(project=project).count() == 1


def test_a_disconnected_webhook_refuses_what_its_old_address_receives(hooked, owner, client):
    project, webhook, secret = hooked
    services.repository_webhook_disconnect(actor=owner, project=project)
    body = github_push()
    before = state(project)
    response = deliver(client, webhook, body, github_headers(secret, body))

    assert response.status_code == 403
    assert state(project) == before


@pytest.mark.parametrize(
    "body",
    [b'{"ref": "refs/heads/main", ', b"[1, 2]", b"\xff\xfe", b"[" * 5000 + b"]" * 5000,
     b'{"ref": "refs/heads/ma\\u0000in", "after": "' + SHA.encode() + b'"}',
     b'{"ref": "refs/heads/main"}'],
    ids=["truncated", "not-an-object", "not-utf8", "deeply-nested", "nul", "not-a-push"],
)  # fmt: skip
def test_a_signed_but_malformed_body_is_a_400_that_changes_nothing(hooked, client, body):
    project, webhook, secret = hooked
    before = state(project)
    response = deliver(client, webhook, body, github_headers(secret, body))

    assert response.status_code == 400
    assert response.json()["detail"]
    assert state(project) == before


@override_settings(SCAN_PUSH_MAX_BODY_BYTES=2000)
def test_an_oversized_body_is_refused_before_it_is_read(hooked, client):
    project, webhook, secret = hooked
    body = github_push(padding="x" * 3000)
    before = state(project)
    response = deliver(client, webhook, body, github_headers(secret, body))

    assert response.status_code == 413
    assert state(project) == before


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_body_that_is_not_json_by_its_content_type_is_refused(hooked, client, content_type):
    project, webhook, secret = hooked
    body = b"payload=" + github_push()
    before = state(project)
    response = deliver(client, webhook, body, github_headers(secret, body), content_type)

    assert response.status_code == 415
    assert state(project) == before


@override_settings(SCAN_PUSH_RATE_PER_HOOK="2/m")
def test_deliveries_past_the_rate_are_429_with_retry_after(hooked, client):
    project, webhook, secret = hooked
    for _ in range(2):
        body = github_push(ref="refs/heads/other")
        assert deliver(client, webhook, body, github_headers(secret, body)).status_code == 202
    before = state(project)
    body = github_push()
    response = deliver(client, webhook, body, github_headers(secret, body))

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert state(project) == before


def test_only_post_is_answered(hooked, client):
    _project, webhook, _secret = hooked
    assert client.get(hook_url(webhook)).status_code == 405


@override_settings(SCAN_PUSH_DELIVERIES_KEPT=3)
def test_only_the_newest_deliveries_are_kept(hooked, client):
    _project, webhook, secret = hooked
    ids = [f"d-{n}" for n in range(5)]
    for delivery in ids:
        body = github_push(ref="refs/heads/other")
        deliver(client, webhook, body, github_headers(secret, body, delivery=delivery))
    kept = set(RepositoryPushDelivery.objects.values_list("delivery_id", flat=True))
    assert kept == {"d-2", "d-3", "d-4"}


# --- The secret: shown once, encrypted, replaced, removed ----------------------------------------


def test_the_secret_is_stored_encrypted_and_audited(hooked, owner):
    project, webhook, secret = hooked
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT secret_encrypted FROM {RepositoryWebhook._meta.db_table} WHERE id = %s",  # noqa: S608
            [webhook.pk.hex if connection.vendor == "sqlite" else webhook.pk],
        )
        raw = cursor.fetchone()[0]
    assert secret not in raw
    assert webhook.public_id not in (str(project.pk), str(webhook.pk))
    event = AuditEvent.objects.get(verb=Verb.REPOSITORY_WEBHOOK_CONNECTED)
    assert (event.actor, event.target_id) == (owner.user, str(project.pk))
    assert secret not in json.dumps(event.changes)


def test_rotating_the_secret_makes_the_old_one_fail(hooked, owner, client):
    project, webhook, old = hooked
    _webhook, new = services.repository_webhook_rotate(actor=owner, project=project)
    assert new != old
    body = github_push()
    before = state(project)
    assert deliver(client, webhook, body, github_headers(old, body)).status_code == 403
    assert state(project) == before
    assert deliver(client, webhook, body, github_headers(new, body)).status_code == 202
    assert AuditEvent.objects.filter(verb=Verb.REPOSITORY_WEBHOOK_ROTATED).count() == 1


def test_connecting_twice_is_refused_with_a_clear_error(hooked, owner):
    project, webhook, _secret = hooked
    with pytest.raises(Exception, match="already connected"):
        services.repository_webhook_connect(actor=owner, project=project)
    assert RepositoryWebhook.objects.get(project=project).public_id == webhook.public_id


def test_staff_not_on_the_engagement_and_clients_cannot_connect(
    project, engineer, make_member, owner
):
    contact = contact_of(project, make_member)
    for member in (engineer, contact):
        with pytest.raises(PermissionDeniedError):
            services.repository_webhook_connect(actor=member, project=project)
    assert not RepositoryWebhook.objects.exists()
    assert not AuditEvent.objects.filter(verb=Verb.REPOSITORY_WEBHOOK_CONNECTED).exists()
    assign(project, engineer, owner)
    fresh = type(engineer).objects.get(pk=engineer.pk)  # the permission cache is per object
    services.repository_webhook_connect(actor=fresh, project=project)
    assert RepositoryWebhook.objects.filter(project=project).exists()


# --- The scans page --------------------------------------------------------------------------


def scans_url(project):
    return reverse("project_scans", args=[project.agency.slug, project.pk])


def test_the_page_connects_shows_the_secret_once_and_the_setup(project, owner, login):
    browser = login(owner)
    page = browser.get(scans_url(project)).content.decode()
    assert "Connect the push webhook" in page

    response = browser.post(scans_url(project), {"action": "push_connect"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    webhook = RepositoryWebhook.objects.get(project=project)
    html = response.content.decode()
    assert "Copy the secret now" in html
    assert f"http://testserver/hooks/repository/{webhook.public_id}/" in html
    assert "application/json" in html
    secret = html.split('id="push-secret"')[1].split('value="')[1].split('"')[0]
    assert secret.startswith("lpwh_")

    again = browser.get(scans_url(project)).content.decode()
    assert secret not in again  # shown once
    assert "No delivery yet" in again


def test_the_page_shows_the_last_delivery(hooked, owner, login, client):
    project, webhook, secret = hooked
    body = github_push()
    deliver(client, webhook, body, github_headers(secret, body))
    html = login(owner).get(scans_url(project)).content.decode()
    assert "Rescan queued" in html
    assert "push" in html


def test_the_page_replaces_the_secret_and_the_old_one_stops_working(hooked, owner, login, client):
    project, webhook, old = hooked
    response = login(owner).post(scans_url(project), {"action": "push_rotate"})
    assert response.status_code == 200
    assert "Copy the secret now" in response.content.decode()
    body = github_push()
    assert deliver(client, webhook, body, github_headers(old, body)).status_code == 403


def test_disconnecting_asks_once_then_removes_the_webhook(hooked, owner, login):
    project, _webhook, _secret = hooked
    url = reverse("project_push_webhook_disconnect", args=[project.agency.slug, project.pk])
    browser = login(owner)
    confirm = browser.get(url)
    assert confirm.status_code == 200
    assert "Disconnect the push webhook?" in confirm.content.decode()
    assert RepositoryWebhook.objects.filter(project=project).exists()

    response = browser.post(url)
    assert response.status_code == 302
    assert not RepositoryWebhook.objects.filter(project=project).exists()
    assert AuditEvent.objects.filter(verb=Verb.REPOSITORY_WEBHOOK_DISCONNECTED).count() == 1


def test_a_client_contact_sees_no_webhook_controls_and_cannot_post_them(
    project, make_member, login
):
    contact = contact_of(project, make_member)
    browser = login(contact)
    page = browser.get(scans_url(project)).content.decode()
    assert "Connect the push webhook" not in page
    assert browser.post(scans_url(project), {"action": "push_connect"}).status_code == 403
    assert not RepositoryWebhook.objects.exists()


# --- Through a real local server ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_signed_push_through_a_real_server_queues_a_scan(live_server, scanned_project, owner,
                                                          monkeypatch):  # fmt: skip
    queued = []
    # The scan itself is not run here (it would clone from github.com): the queue call is seen.
    monkeypatch.setattr("apps.scans.tasks.queue_scan", queued.append)
    project = scanned_project(REPO)
    webhook, secret = services.repository_webhook_connect(actor=owner, project=project)
    body = github_push()
    request = urllib.request.Request(
        live_server.url + hook_url(webhook), data=body, method="POST",
        headers={"Content-Type": "application/json", **github_headers(secret, body)},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202
        assert json.loads(response.read())["outcome"] == "queued"
    scan = Scan.objects.get(project=project)
    assert [s.pk for s in queued] == [scan.pk]

    forged = urllib.request.Request(
        live_server.url + hook_url(webhook), data=body, method="POST",
        headers={"Content-Type": "application/json", **_forged(secret, body)},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 403
    assert len(queued) == 1
