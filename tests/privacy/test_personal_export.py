"""A person downloads everything kept about them, across every agency, as one zip of JSON
files, and nothing about anyone else."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.urls import reverse

from apps.agencies.models import ApiToken
from apps.audit.models import AuditEvent, Verb
from apps.privacy.services import personal_data_export
from tests.privacy.search import archive_text

pytestmark = pytest.mark.django_db


def test_the_archive_holds_everything_about_the_person(world):
    files = archive_text(personal_data_export(user=world.ada))
    data = {name: json.loads(text) for name, text in files.items()}
    everything = "\n".join(files.values())

    assert {"account.json", "memberships.json", "bookings.json", "audit_events.json"} <= set(data)
    assert data["account.json"]["email"] == "ada.lovelace@example.test"
    assert data["account.json"]["name"] == "Ada Lovelace"
    assert {m["agency__name"] for m in data["memberships.json"]} == {"North Works", "South Forge"}
    assert {e["email"] for e in data["email_addresses.json"]} == {
        "ada.lovelace@example.test",
        "countess@example.test",
    }
    assert [c["phone"] for c in data["client_contacts.json"]] == ["+44 20 7946 0101"]
    assert [b["notes"] for b in data["bookings.json"]["made"]] == ["Ada's booking notes"]
    assert len(data["bookings.json"]["hosted"]) == 1  # Bob's booking, hosted by Ada
    assert [c["body"] for c in data["comments.json"]] == ["Ada checked the mill"]
    assert [e["note"] for e in data["evidence.json"]] == ["Ada's proof note"]
    assert [t["name"] for t in data["api_tokens.json"]] == ["ada-laptop"]
    assert [f["type"] for f in data["two_factor.json"]] == ["totp"]
    assert [
        r["date_overrides"][0]["note"] for r in data["availability.json"] if r["date_overrides"]
    ] == ["Ada at the dentist"]
    received = data["invitations.json"]["received"]
    assert {i["agency"] for i in received} == {"South Forge", "West Yard"}
    assert len(data["invitations.json"]["sent"]) == 1
    assert len(data["assignments.json"]) == 1
    verbs = {e["event"] for e in data["audit_events.json"]}
    assert {Verb.LOGIN, Verb.LOGIN_FAILED, Verb.PROFILE_UPDATED, Verb.PROJECT_ASSIGNED} <= verbs
    if apps.is_installed("allauth.usersessions"):
        assert [s["ip"] for s in data["sessions.json"]] == ["203.0.113.5"]
    assert "Ada Byron" in everything  # a former name, from her own profile change


def test_nothing_in_the_archive_is_about_anyone_else(world):
    """Bob shares agencies, a client, items, bookings and invitations with Ada: his name,
    address, phone, words and token appear nowhere in her archive."""
    content = personal_data_export(user=world.ada)
    everything = "\n".join(archive_text(content).values()).lower()
    leaks = [needle for needle in world.bob_needles if needle.lower() in everything]
    assert not leaks
    # Never a secret: neither the TOTP seed nor a token's hash.
    assert "adasecrettotpseed" not in everything
    hashes = ApiToken.objects.values_list("token_hash", flat=True)
    assert [h for h in hashes if h.lower() in everything] == []


def test_the_export_is_audited(world):
    personal_data_export(user=world.ada)
    event = AuditEvent.objects.get(verb=Verb.DATA_EXPORTED)
    assert event.actor_id == world.ada.pk
    assert event.agency_id is None


def test_the_account_page_downloads_the_archive(world, login):
    client = login(world.ada)
    page = client.get(reverse("privacy_account"))
    assert page.status_code == 200
    assert reverse("privacy_account_export") in page.content.decode()
    response = client.post(reverse("privacy_account_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="launchpad-my-data-')
    assert "account.json" in archive_text(response.content)


def test_the_export_is_a_post_for_a_signed_in_person_only(world, client):
    before = AuditEvent.objects.count()
    anonymous = client.post(reverse("privacy_account_export"))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))
    assert AuditEvent.objects.count() == before


def test_a_get_of_the_export_address_downloads_nothing(world, login):
    response = login(world.ada).get(reverse("privacy_account_export"))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(verb=Verb.DATA_EXPORTED).exists()
