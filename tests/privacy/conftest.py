"""Two people, Ada and Bob, in two agencies, North and South, with overlapping data built
through the services: each invited the other, comments on the same items, assigns the
other, books the other as host, is a contact of the same client, holds tokens and
sessions. What one person's export or deletion may touch is told apart from the other's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_update_profile
from apps.agencies import services as agency_services
from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Role
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.bookings import services as booking_services
from apps.bookings.models import ConsultationType
from apps.checklists import services as checklist_services
from apps.clients import services as client_services
from apps.projects import services as project_services
from tests.factories import UserFactory

EVERY_DAY = {day: [(time(0), time(0))] for day in range(7)}


@dataclass
class World:
    north: Agency
    south: Agency
    ada: User
    bob: User
    ada_north: Membership
    ada_south: Membership
    bob_north: Membership
    bob_south: Membership
    north_offer: ConsultationType
    # What identifies each person, as the tests search for it.
    ada_needles: list[str]
    bob_needles: list[str]


def book(offer, *, host, name, email, tag, user=None, notes="", company="", days=3):
    """A booking of `offer` with `host`, `days` ahead (each host is free all day)."""
    start = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return booking_services.booking_create(
        consultation_type=offer, start=start, consent=True, idempotency_key=f"privacy-{tag}",
        host=host, user=user,
        booker=booking_services.Booker(
            name=name, email=email, time_zone="Europe/London", notes=notes, company=company,
            prototype_url=f"https://{tag}.example.test/app",
        ),
    ).booking  # fmt: skip


def offer(owner, host, slug):
    booking_services.schedule_save(actor=owner, member=host, time_zone="UTC", weekly=EVERY_DAY)
    return booking_services.offer_save(
        actor=owner, hosts=[host], name=f"Review {slug}", slug=slug, duration_minutes=30,
        interval_minutes=60, minimum_notice_minutes=0, host_choice="booker_picks",
    )  # fmt: skip


def _join(inviter, user, role):
    invitation, _ = agency_services.invitation_create(actor=inviter, email=user.email, role=role)
    return agency_services.invitation_accept(user=user, invitation=invitation)


@pytest.fixture
def world(db, catalog, django_capture_on_commit_callbacks) -> World:
    ada = UserFactory(email="ada.lovelace@example.test", name="Ada Byron")
    bob = UserFactory(email="bob.babbage@example.test", name="Bob Babbage")
    # A former name, kept by the audit trail of the profile change.
    user_update_profile(user=ada, name="Ada Lovelace", time_zone="Europe/London")
    EmailAddress.objects.create(user=ada, email="countess@example.test", verified=True)
    north = agency_services.agency_create(user=ada, name="North Works", slug="north-works")
    south = agency_services.agency_create(user=bob, name="South Forge", slug="south-forge")
    ada_north = Membership.objects.get(agency=north, user=ada)
    bob_south = Membership.objects.get(agency=south, user=bob)
    # Each invites the other: the invitations, and the audit trail, quote both addresses.
    bob_north = _join(ada_north, bob, Role.OWNER)
    ada_south = _join(bob_south, ada, Role.ENGINEER)

    # A client of South whose people include both of them.
    engines = client_services.client_create(actor=bob_south, name="Analytical Engines")
    client_services.contact_create(
        actor=bob_south, client=engines, name="Ada Lovelace", email="ada.lovelace@example.test",
        phone="+44 20 7946 0101", title="Countess",
    )  # fmt: skip
    client_services.contact_create(
        actor=bob_south, client=engines, name="Bob Babbage", email="bob.babbage@example.test",
        phone="+44 20 7946 0202",
    )  # fmt: skip
    project = project_services.project_create(actor=bob_south, client=engines, name="Mill")
    project_services.project_assign(actor=bob_south, project=project, member=ada_south)
    items = list(project.checklist_items.order_by("key")[:2])
    checklist_services.item_update(actor=bob_south, item=items[0], assignee=ada_south)
    checklist_services.item_update(actor=ada_south, item=items[1], assignee=bob_south)
    checklist_services.comment_add(actor=ada_south, item=items[0], body="Ada checked the mill")
    checklist_services.comment_add(actor=bob_south, item=items[0], body="Bob oiled the gears")
    checklist_services.evidence_add(actor=ada_south, item=items[0], note="Ada's proof note")
    checklist_services.evidence_add(actor=bob_south, item=items[0], note="Bob's proof note")

    # North: Ada hosts a booking made by Bob; South: Bob hosts one made by Ada.
    north_offer = offer(ada_north, ada_north, "north-review")
    south_offer = offer(bob_south, bob_south, "south-review")
    with django_capture_on_commit_callbacks(execute=True):
        bob_booked = book(
            north_offer, host=ada_north, name="Bob Babbage", email="bob.babbage@example.test",
            user=bob, tag="bob-books", notes="Bob's booking notes", company="Babbage Ltd",
        )  # fmt: skip
        book(
            south_offer, host=bob_south, name="Ada Lovelace", email="ada.lovelace@example.test",
            user=ada, tag="ada-books", notes="Ada's booking notes", company="Lovelace Labs",
        )  # fmt: skip
    # Ada's hosted consultation is over (cancelled): nothing stops her leaving North.
    booking_services.booking_cancel(
        actor=ada_north, booking=bob_booked, reason="Ada is away", by_booker=False
    )
    booking_services.override_save(
        actor=ada_north, member=ada_north, day=timezone.localdate() + timedelta(days=20),
        ranges=[], note="Ada at the dentist",
    )  # fmt: skip

    # An agency Ada left before: its feed still quotes her name from when she was assigned.
    west = agency_services.agency_create(user=bob, name="West Yard", slug="west-yard")
    bob_west = Membership.objects.get(agency=west, user=bob)
    ada_west = _join(bob_west, ada, Role.ENGINEER)
    yard = client_services.client_create(actor=bob_west, name="Yard Client")
    shed = project_services.project_create(actor=bob_west, client=yard, name="Shed")
    project_services.project_assign(actor=bob_west, project=shed, member=ada_west)
    agency_services.membership_remove(actor=ada_west, membership=ada_west)

    agency_services.api_token_create(actor=ada_north, name="ada-laptop", expires_in_days=30)
    agency_services.api_token_create(actor=bob_north, name="bob-ci", expires_in_days=30)
    Authenticator.objects.create(
        user=ada, type=Authenticator.Type.TOTP, data={"secret": "ADASECRETTOTPSEED"}
    )
    # An operator changed Ada's account in the admin: its log names the row.
    LogEntry.objects.create(
        user=bob, content_type=ContentType.objects.get_for_model(User), object_id=str(ada.pk),
        object_repr=str(ada), action_flag=CHANGE, change_message="[]",
    )  # fmt: skip
    audit_record(verb=Verb.LOGIN, actor=ada)
    audit_record(verb=Verb.LOGIN_FAILED, actor=ada, actor_email="Ada.Lovelace@Example.test")
    audit_record(verb=Verb.LOGIN, actor=bob)
    if apps.is_installed("allauth.usersessions"):
        session_model = apps.get_model("usersessions", "UserSession")
        session_model.objects.create(
            user=ada, ip="203.0.113.5", user_agent="Ada's browser", session_key="a" * 32
        )
        session_model.objects.create(
            user=bob, ip="198.51.100.7", user_agent="Bob's browser", session_key="b" * 32
        )
    return World(
        north=north, south=south, ada=ada, bob=bob, ada_north=ada_north, ada_south=ada_south,
        bob_north=bob_north, bob_south=bob_south, north_offer=north_offer,
        ada_needles=[
            "Ada Lovelace", "Ada Byron", "ada.lovelace@example.test", "countess@example.test",
            "+44 20 7946 0101", "Ada's booking notes", "Lovelace Labs", "Ada at the dentist",
        ],
        bob_needles=[
            "Bob Babbage", "bob.babbage@example.test", "+44 20 7946 0202", "Bob's booking notes",
            "Babbage Ltd", "Bob oiled the gears", "Bob's proof note", "bob-ci",
        ],
    )  # fmt: skip
