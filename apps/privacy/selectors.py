"""Reads for privacy rights: who a person is across every agency and everything kept about
them; everything of one client in its agency; each agency's privacy notice.

The person's reads span agencies on purpose: the services call them inside
`cross_agency(...)`. Rows come back as plain JSON-ready dicts; another person appears in
them only as an id (`host_id`, `author_id`), never by name or address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, cast

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.db.models import Count, Q, QuerySet

from apps.accounts.models import User
from apps.agencies.models import Agency, ApiToken, Invitation, Membership
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent, Verb
from apps.bookings.models import Booking, BookingEvent, DateOverride, Schedule, WeeklyRange
from apps.checklists.models import (
    CatalogItem,
    Comment,
    Evidence,
    ProjectItem,
    ReadinessSnapshot,
)
from apps.clients.models import Client, ClientContact
from apps.privacy.models import PrivacyNotice
from apps.projects.models import Activity, Assignment, Environment, Project
from apps.scans.models import Scan, ScanFinding

Row = dict[str, Any]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SOMEONE_ELSE = "[someone else]"
# Feed rows that quote a member's name (crew changes, an item's assignee).
_NAMING_KINDS = (Activity.Kind.ENGINEER_ASSIGNED, Activity.Kind.ENGINEER_UNASSIGNED)


@dataclass(frozen=True)
class Person:
    """One person as the database knows them: the account, their addresses (those that find
    their rows) and the ones they had before (which old audit rows quote), every name they
    have had, and the ids of the rows that stand for them (audit targets point at these)."""

    user: User
    addresses: frozenset[str]
    former_addresses: frozenset[str]
    names: frozenset[str]
    membership_ids: frozenset[str]
    own_target_ids: frozenset[str]

    @property
    def every_address(self) -> frozenset[str]:
        return self.addresses | self.former_addresses

    def address_filter(self, field: str) -> Q:
        """Rows whose `field` is one of the person's addresses, in any case."""
        query = Q(pk__in=[])
        for address in self.addresses:
            query |= Q(**{f"{field}__iexact": address})
        return query


def person_identity(*, user: User) -> Person:
    """Gather the person's addresses (the account's, its other ones, those invitations reached
    them at; and those they changed away from) and names (current and former). A former
    address finds no rows: someone else may hold it now."""
    addresses = {user.email.lower()}
    addresses |= {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    addresses |= {
        e.lower()
        for e in Invitation.objects.filter(accepted_by=user).values_list("email", flat=True)
    }
    former: set[str] = set()
    names = {user.name} if user.name else set()
    own_events = AuditEvent.objects.filter(actor_id=user.pk, agency__isnull=True).only(
        "verb", "actor_email", "changes"
    )
    for event in own_events:
        if event.actor_email:
            former.add(event.actor_email.lower())
        if event.verb == Verb.EMAIL_CHANGED:
            former |= {e.lower() for e in _strings(event.changes) if EMAIL.fullmatch(e)}
        if event.verb == Verb.PROFILE_UPDATED:
            names |= {n for n in _strings((event.changes or {}).get("name")) if n}
    memberships = Membership.objects.filter(user=user).values_list("pk", flat=True)
    person = Person(
        user=user,
        addresses=frozenset(addresses),
        former_addresses=frozenset(former - addresses),
        names=frozenset(names),
        membership_ids=frozenset(str(pk) for pk in memberships),
        own_target_ids=frozenset(),
    )
    targets = {str(user.pk), *person.membership_ids}
    for rows in (
        invitations_to(person),
        bookings_made(person),
        contacts_of(person),
        ApiToken.objects.filter(membership_id__in=list(person.membership_ids)),
    ):
        targets |= {str(pk) for pk in rows.values_list("pk", flat=True)}
    return replace(person, own_target_ids=frozenset(targets))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


# --- The rows that are the person ------------------------------------------------------------


def invitations_to(person: Person) -> QuerySet[Invitation]:
    return Invitation.objects.filter(person.address_filter("email") | Q(accepted_by=person.user))


def bookings_made(person: Person) -> QuerySet[Booking]:
    return Booking.objects.filter(
        person.address_filter("booker_email") | Q(booker_user=person.user)
    )


def contacts_of(person: Person) -> QuerySet[ClientContact]:
    return ClientContact.objects.filter(person.address_filter("email"))


def audit_about(person: Person) -> QuerySet[AuditEvent]:
    """Events by the person, about one of their rows, or quoting one of their addresses."""
    query = Q(actor_id=person.user.pk) | Q(target_id__in=person.own_target_ids)
    query |= person.address_filter("actor_email")
    for address in person.every_address:
        query |= Q(changes__icontains=address) | Q(target_repr__icontains=address)
    return AuditEvent.objects.filter(query)


def agencies_only_owned_by(*, user: User) -> list[Agency]:
    """The agencies where the person is the one owner: their account cannot go until someone
    else owns each of them."""
    owned = Membership.objects.filter(user=user, role=Role.OWNER).values_list(
        "agency_id", flat=True
    )
    others = (
        Membership.objects.filter(agency_id__in=list(owned), role=Role.OWNER)
        .exclude(user=user)
        .values_list("agency_id", flat=True)
    )
    return list(
        Agency.objects.filter(pk__in=list(owned)).exclude(pk__in=list(others)).order_by("name")
    )


# --- The person's export -----------------------------------------------------------------------

# The columns each file shows. Another person appears only as an id.
_CONTACT = (
    "id", "agency_id", "client_id", "client__name", "name", "email", "title", "phone",
    "created_at",
)  # fmt: skip
_COMMENT = (
    "id", "agency_id", "item_id", "item__title", "item__project_id", "item__project__name",
    "body", "created_at",
)  # fmt: skip
_EVIDENCE = (
    "id", "agency_id", "item_id", "item__title", "item__project_id", "url", "note", "created_at",
)  # fmt: skip
_ACTIVITY = (
    "id", "agency_id", "project_id", "item_id", "kind", "field", "old_value", "new_value",
    "message", "actor_id", "created_at",
)  # fmt: skip
_ITEM = (
    "id", "agency_id", "project_id", "title", "status", "due_date", "assignee_id",
    "signed_off_at",
)  # fmt: skip
# Names and dates of tokens; never the hash, nor the prefix of the secret.
_TOKEN = ("id", "agency_id", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
_BOOKING = (
    "id", "agency_id", "consultation_type__name", "start", "end", "status", "host_id",
    "created_at", "cancelled_at",
)  # fmt: skip
_BOOKER = (
    "booker_name", "booker_email", "booker_company", "booker_time_zone", "prototype_url",
    "platform", "expected_users", "compliance", "notes", "consent_at", "cancel_reason",
    "reschedule_count",
)  # fmt: skip
_BOOKING_EVENT = (
    "booking_id", "kind", "by_booker", "old_start", "new_start", "reason", "actor_id",
    "created_at",
)  # fmt: skip


def person_data(*, person: Person) -> dict[str, Any]:
    """Every file of the person's archive, by name. Addresses of other people that rows
    quote (an invitation they sent, a change they made) are replaced."""
    user = person.user
    member_ids = list(person.membership_ids)
    files: dict[str, Any] = {
        "account.json": {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_active": user.is_active,
        },
        "email_addresses.json": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        # Which second factors exist, never their secrets.
        "two_factor.json": list(
            Authenticator.objects.filter(user=user).values("type", "created_at", "last_used_at")
        ),
        "sessions.json": _sessions(user),
        "memberships.json": list(
            Membership.objects.filter(user=user).values(
                "id", "agency_id", "agency__name", "role", "client_id", "client__name", "created_at"
            )
        ),
        "invitations.json": _invitations(person),
        "client_contacts.json": list(contacts_of(person).values(*_CONTACT)),
        "bookings.json": _bookings(person),
        "comments.json": list(Comment.objects.filter(author=user).values(*_COMMENT)),
        "evidence.json": list(Evidence.objects.filter(added_by=user).values(*_EVIDENCE)),
        "activity.json": [
            _activity_row(row, keep_names=person.names)
            for row in Activity.objects.filter(actor=user).values(*_ACTIVITY)
        ],
        "assignments.json": list(
            Assignment.objects.filter(membership_id__in=member_ids).values(
                "id", "agency_id", "project_id", "project__name", "created_at"
            )
        ),
        "checklist_items.json": list(
            ProjectItem.objects.filter(
                Q(assignee_id__in=member_ids) | Q(signed_off_by=user)
            ).values(*_ITEM)
        ),
        "availability.json": _availability(member_ids),
        "api_tokens.json": list(
            ApiToken.objects.filter(membership_id__in=member_ids).values(*_TOKEN)
        ),
        "scans_requested.json": list(
            Scan.objects.filter(requested_by=user).values(
                "id", "agency_id", "project_id", "status", "created_at", "finished_at"
            )
        ),
        "engagement_tiers_set.json": list(
            Project.objects.filter(tier_overridden_by=user).values(
                "id", "agency_id", "name", "tier_override", "tier_override_reason"
            )
        ),
        "catalog_items_created.json": list(
            CatalogItem.objects.filter(created_by=user).values(
                "id", "agency_id", "key", "title", "created_at"
            )
        ),
        "audit_events.json": _audit_rows(person),
    }
    files["manifest.json"] = {
        "subject": user.pk,
        "files": sorted(files),
        "about": (
            "Everything Launchpad keeps about you, across every agency you belong to. Other "
            "people appear only as ids; their addresses are replaced."
        ),
    }
    return cast(dict[str, Any], reduce_others(files, person))


def reduce_others(data: Any, person: Person) -> Any:
    """Replace any address that is not one of the person's: the second wall behind the
    choice of columns above, for addresses quoted inside free text and audit changes."""
    if isinstance(data, str):
        return EMAIL.sub(
            lambda m: m.group(0) if m.group(0).lower() in person.every_address else SOMEONE_ELSE,
            data,
        )
    if isinstance(data, list):
        return [reduce_others(item, person) for item in data]
    if isinstance(data, dict):
        return {key: reduce_others(value, person) for key, value in data.items()}
    return data


def _sessions(user: User) -> list[Row]:
    if not apps.is_installed("allauth.usersessions"):
        return []
    sessions = apps.get_model("usersessions", "UserSession").objects.filter(user=user)
    # Never the session key: it is the session.
    return list(sessions.values("ip", "user_agent", "created_at", "last_seen_at"))


def _invitations(person: Person) -> dict[str, list[Row]]:
    def rows(invitations: QuerySet[Invitation], *, with_email: bool) -> list[Row]:
        return [
            {
                "id": i.pk,
                "agency_id": i.agency_id,
                "agency": i.agency.name,
                "email": i.email if with_email else None,
                "role": i.role,
                "status": i.status,
                "created_at": i.created_at,
                "accepted_at": i.accepted_at,
                "invited_by_id": i.invited_by_id,
            }
            for i in invitations.select_related("agency")
        ]

    return {
        "received": rows(invitations_to(person), with_email=True),
        # The invitee's address is theirs, not the person's.
        "sent": rows(Invitation.objects.filter(invited_by=person.user), with_email=False),
    }


def _bookings(person: Person) -> dict[str, list[Row]]:
    made = bookings_made(person)
    hosted = Booking.objects.filter(host_id__in=list(person.membership_ids))
    return {
        "made": list(made.values(*_BOOKING, *_BOOKER)),
        # Who booked the person is the booker's business: times and offer only.
        "hosted": list(hosted.values(*_BOOKING)),
        "history": list(
            BookingEvent.objects.filter(Q(booking__in=made) | Q(actor=person.user)).values(
                *_BOOKING_EVENT
            )
        ),
    }


def _activity_row(row: Row, *, keep_names: frozenset[str]) -> Row:
    if row["kind"] in _NAMING_KINDS or row["field"] == "assignee":
        # These quote a member's name: keep the person's own, replace anyone else's.
        for key in ("old_value", "new_value"):
            if row[key] not in keep_names:
                row[key] = "" if not row[key] else SOMEONE_ELSE
    return row


def _availability(member_ids: list[str]) -> list[Row]:
    schedules = Schedule.objects.filter(membership_id__in=member_ids)
    weekly = list(
        WeeklyRange.objects.filter(schedule__in=schedules).values(
            "schedule_id", "weekday", "start", "end"
        )
    )
    overrides = list(
        DateOverride.objects.filter(schedule__in=schedules).values(
            "schedule_id", "day", "ranges", "note"
        )
    )
    return [
        {
            "agency_id": s["agency_id"],
            "time_zone": s["time_zone"],
            "weekly": [w for w in weekly if w["schedule_id"] == s["id"]],
            "date_overrides": [o for o in overrides if o["schedule_id"] == s["id"]],
        }
        for s in schedules.values("id", "agency_id", "time_zone")
    ]


def _audit_rows(person: Person) -> list[Row]:
    rows = []
    for event in audit_about(person).order_by("created_at"):
        by_person = event.actor_id == person.user.pk
        rows.append(
            {
                "id": event.pk,
                "at": event.created_at,
                "event": event.verb,
                "agency_id": event.agency_id,
                "by_you": by_person,
                # Another actor's address (IP) is theirs: only the person's own events show it.
                "ip_address": event.ip_address if by_person else None,
                "target_type": event.target_type,
                "target_id": event.target_id,
                "target": event.target_repr if event.target_id in person.own_target_ids else "",
                "changes": event.changes,
            }
        )
    return rows


# --- A client's export and erasure -------------------------------------------------------------


@dataclass(frozen=True)
class ClientScope:
    """Everything of one client: its people, its engagements, and the bookings that led to it
    or were made by its people."""

    client: Client
    contacts: QuerySet[ClientContact]
    projects: QuerySet[Project]
    bookings: QuerySet[Booking]
    portal_members: QuerySet[Membership]
    invitations: QuerySet[Invitation]

    def addresses(self) -> set[str]:
        """Every address of the client's people, as the rows quote them."""
        found = {self.client.billing_email}
        for rows, field in (
            (self.contacts, "email"),
            (self.bookings, "booker_email"),
            (self.invitations, "email"),
        ):
            found |= set(rows.values_list(field, flat=True))
        return {address.lower() for address in found if address}

    def target_ids(self) -> set[str]:
        """The audit targets that are this client's rows."""
        ids = {str(self.client.pk)}
        for rows in (self.contacts, self.projects, self.bookings, self.invitations):
            ids |= {str(pk) for pk in rows.values_list("pk", flat=True)}
        return ids


def client_scope(*, agency: Agency, client: Client) -> ClientScope:
    contacts = ClientContact.objects.for_agency(agency).filter(client=client)
    projects = Project.objects.for_agency(agency).filter(client=client)
    emails = [e.lower() for e in contacts.values_list("email", flat=True)]
    bookings = Booking.objects.for_agency(agency).filter(
        Q(client=client) | Q(project__in=projects) | Q(booker_email__in=emails)
    )
    members = Membership.objects.for_agency(agency).filter(client=client).select_related("user")
    return ClientScope(
        client=client,
        contacts=contacts,
        projects=projects,
        bookings=bookings,
        portal_members=members,
        invitations=Invitation.objects.for_agency(agency).filter(client=client),
    )


def client_counts(scope: ClientScope) -> dict[str, int]:
    """What erasing the client takes away, for the page that asks once."""
    return {
        "contacts": scope.contacts.count(),
        "engagements": scope.projects.count(),
        "bookings": scope.bookings.count(),
        "portal_members": scope.portal_members.count(),
    }


_PROJECT = (
    "id", "name", "description", "source_platform", "repository_url", "stack",
    "users_at_launch", "users_in_a_year", "compliance", "stage", "target_launch",
    "tier_override", "tier_override_reason", "readiness", "archived_at", "created_at",
)  # fmt: skip
_CLIENT_ITEM = (
    "id", "project_id", "key", "category", "title", "severity", "level", "status",
    "not_applicable_reason", "assignee_id", "due_date", "completed_at", "verified_by_scan_at",
    "scan_gap", "signed_off_by_id", "signed_off_at", "retired_at",
)  # fmt: skip


def client_data(*, scope: ClientScope) -> dict[str, Any]:
    """Every file of the client's archive, by name. Team members appear as ids."""
    client = scope.client
    projects = scope.projects
    items = ProjectItem.objects.filter(project__in=projects)
    files: dict[str, Any] = {
        "client.json": {
            "id": client.pk,
            "name": client.name,
            "website": client.website,
            "billing_email": client.billing_email,
            "notes": client.notes,
            "status": client.status,
            "created_at": client.created_at,
        },
        "contacts.json": list(
            scope.contacts.values("id", "name", "email", "title", "phone", "created_at")
        ),
        "portal_members.json": list(
            scope.portal_members.values("id", "role", "user__name", "user__email", "created_at")
        ),
        "invitations.json": [
            {"id": i.pk, "email": i.email, "role": i.role, "status": i.status, "sent": i.created_at}
            for i in scope.invitations
        ],
        "engagements.json": list(projects.values(*_PROJECT)),
        "environments.json": list(
            Environment.objects.filter(project__in=projects).values(
                "id", "project_id", "kind", "url", "notes"
            )
        ),
        "checklist_items.json": list(items.values(*_CLIENT_ITEM)),
        "evidence.json": list(
            Evidence.objects.filter(item__in=items).values(
                "id", "item_id", "url", "note", "added_by_id", "created_at"
            )
        ),
        "comments.json": list(
            Comment.objects.filter(item__in=items).values(
                "id", "item_id", "body", "author_id", "created_at"
            )
        ),
        "activity.json": [
            # The feed quotes team members' names: they are not the client's data.
            _activity_row(row, keep_names=frozenset())
            for row in Activity.objects.filter(project__in=projects).values(*_ACTIVITY)
        ],
        "readiness_history.json": list(
            ReadinessSnapshot.objects.filter(project__in=projects).values(
                "project_id", "day", "overall", "categories"
            )
        ),
        "bookings.json": list(scope.bookings.values(*_BOOKING, *_BOOKER)),
        "booking_history.json": list(
            BookingEvent.objects.filter(booking__in=scope.bookings).values(*_BOOKING_EVENT)
        ),
        "scans.json": _scan_summaries(projects),
    }
    files["manifest.json"] = {
        "client": client.pk,
        "files": sorted(files),
        "about": "Everything the agency keeps about this client. Team members appear as ids.",
    }
    return files


def _scan_summaries(projects: QuerySet[Project]) -> list[Row]:
    """Each scan's outcome and counts: the findings themselves (paths, snippets) stay out."""
    scans = Scan.objects.filter(project__in=projects).order_by("created_at")
    counts: dict[Any, dict[str, int]] = {}
    by_severity = (
        ScanFinding.objects.filter(scan__in=scans)
        .values("scan_id", "severity")
        .annotate(n=Count("id"))
    )
    for row in by_severity:
        counts.setdefault(row["scan_id"], {})[row["severity"]] = row["n"]
    return [
        {
            "id": scan.pk,
            "project_id": scan.project_id,
            "status": scan.status,
            "trigger": scan.trigger,
            "repository_url": scan.repository_url,
            "commit_sha": scan.commit_sha,
            "created_at": scan.created_at,
            "finished_at": scan.finished_at,
            "failure_reason": scan.failure_reason,
            "summary": (scan.report or {}).get("summary", {}),
            "findings_by_severity": counts.get(scan.pk, {}),
        }
        for scan in scans
    ]


def privacy_notice_for(*, agency: Agency) -> PrivacyNotice | None:
    return PrivacyNotice.objects.for_agency(agency).first()
