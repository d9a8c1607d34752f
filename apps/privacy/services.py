"""Privacy rights: a person's data export and account deletion, a client's export and
erasure, the agency's privacy notice, and the retention purge.

Each is one transaction with its audit event. The person's export and deletion span every
agency they belong to, so they run inside `cross_agency(...)`; what they change in the apps
below goes through those apps' own small services.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_anonymise
from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Capability, require
from apps.agencies.services import invitations_purge, invitations_redact, membership_remove
from apps.audit.models import AuditEvent, Verb
from apps.audit.services import (
    audit_forget_addresses,
    audit_forget_targets,
    audit_purge,
    audit_record,
    audit_redact,
)
from apps.bookings.services import booking_anonymise
from apps.clients.models import Client
from apps.clients.services import client_delete, contacts_forget
from apps.core.access import lock_own
from apps.core.errors import ApplicationError
from apps.core.tenancy import cross_agency
from apps.notifications.services import deliveries_forget, deliveries_purge
from apps.privacy import selectors
from apps.privacy.archive import build_archive
from apps.privacy.models import PrivacyNotice
from apps.projects.models import Project
from apps.projects.services import activity_rename_member, project_erase, project_redact
from apps.scans.services import scans_purge

C = Capability
# What stands where a person was: in comments, bookings and the audit trail they stay as
# this name and an address that can never receive mail (RFC 2606 reserves `.invalid`).
DELETED_NAME = "Deleted user"
ERASED_LABEL = "Erased"


def placeholder_email(kind: str, key: uuid.UUID) -> str:
    return f"{kind}-{key.hex}@{kind}.invalid"


# --- A person's own data -----------------------------------------------------------------------


def personal_data_export(*, user: User) -> bytes:
    """Everything kept about the person, across every agency they belong to, as one zip of
    JSON files; nothing about anyone else. Audited."""
    with transaction.atomic(), cross_agency("personal data export"):
        person = selectors.person_identity(user=user)
        files = selectors.person_data(person=person)
        audit_record(verb=Verb.DATA_EXPORTED, actor=user, changes={"files": sorted(files)})
    return build_archive(files)


def deletion_blockers(*, user: User) -> list[Agency]:
    """The agencies the person alone owns: the account cannot go before someone else owns
    each (an agency always keeps an owner)."""
    with cross_agency("account deletion"):
        return selectors.agencies_only_owned_by(user=user)


@transaction.atomic
def account_delete(*, user: User, password: str) -> dict[str, int]:
    """Delete the person's account: the login goes (user_anonymise), they leave every agency,
    rows that are only theirs go, and what the agencies must keep (bookings, comments,
    evidence, the feed, the audit trail) stays with "Deleted user" and a placeholder address
    in place of their name and address. Refused, changing nothing, for a wrong password, for
    the last owner of an agency, or for a host of upcoming consultations."""
    if not user.check_password(password):
        raise ValidationError({"password": "That is not your password."}, code="wrong_password")
    with cross_agency("account deletion"):
        blockers = selectors.agencies_only_owned_by(user=user)
        if blockers:
            names = ", ".join(agency.name for agency in blockers)
            raise ApplicationError(
                f"You are the only owner of {names}. Make someone else an owner there first "
                "(Team, change role), then delete your account.",
                code="last_owner",
            )
        person = selectors.person_identity(user=user)
        placeholder = placeholder_email("deleted", user.pk)
        memberships = list(Membership.objects.filter(user=user).select_related("agency", "user"))
        counts = _forget_person(person, placeholder, memberships)
        user_anonymise(user=user, name=DELETED_NAME, email=placeholder)
        counts["audit_events_redacted"] = audit_redact(
            events=selectors.audit_about(person), replacements=_replacements(person, placeholder)
        )
        audit_forget_addresses(events=AuditEvent.objects.filter(actor_id=user.pk))
        _forget_admin_log(person)
        for membership in memberships:
            audit_record(
                verb=Verb.ACCOUNT_DELETED, actor=user, agency=membership.agency, target=user
            )
        audit_record(verb=Verb.ACCOUNT_DELETED, actor=user, target=user, changes=counts)
    return counts


def _forget_person(
    person: selectors.Person, placeholder: str, memberships: list[Membership]
) -> dict[str, int]:
    """Everything but the account row and the audit trail, in this order: the bookings are
    found by the person's addresses, which anonymising them removes."""
    counts = {"agencies_left": len(memberships)}
    bookings = selectors.bookings_made(person)
    # booking_convert copied the booker's notes and prototype link into an engagement.
    booker_texts = [t for row in bookings.values_list("notes", "prototype_url") for t in row if t]
    counts["engagements_redacted"] = project_redact(
        projects=Project.objects.filter(pk__in=bookings.values("project_id")), texts=booker_texts
    )
    counts["deliveries_forgotten"] = deliveries_forget(subjects=bookings)
    counts["bookings_anonymised"] = booking_anonymise(
        bookings=bookings, name=DELETED_NAME, email=placeholder
    )
    counts["client_contacts_deleted"] = contacts_forget(contacts=selectors.contacts_of(person))
    counts["invitations_redacted"] = invitations_redact(
        invitations=selectors.invitations_to(person), email=placeholder
    )
    # The feed quotes names in every agency the person was ever in (the audit trail knows
    # those they left before), not only in those they leave now.
    agency_ids = {m.agency_id for m in memberships}
    agency_ids |= set(selectors.audit_about(person).values_list("agency_id", flat=True))
    for membership in memberships:
        # Leaving through the agencies' own service: its hooks drop engagement grants and
        # refuse while the person hosts upcoming consultations.
        membership_remove(actor=membership, membership=membership)
    for agency in Agency.objects.filter(pk__in=agency_ids - {None}):
        for name in person.names | {person.user.display_name}:
            activity_rename_member(agency=agency, old=name, new=DELETED_NAME)
    return counts


def _replacements(person: selectors.Person, placeholder: str) -> dict[str, str]:
    replacements = dict.fromkeys(person.every_address, placeholder)
    replacements.update(dict.fromkeys(person.names, DELETED_NAME))
    return replacements


def _forget_admin_log(person: selectors.Person) -> None:
    """The operators' admin keeps its own log, which names the rows it changed."""
    LogEntry.objects.filter(object_id__in=person.own_target_ids).update(object_repr=DELETED_NAME)


# --- A client's data ---------------------------------------------------------------------------


def client_export(*, actor: Membership, client: Client) -> bytes:
    """Everything the agency keeps about one client as one zip of JSON files. Audited."""
    require(actor, C.MANAGE_AGENCY)
    with transaction.atomic():
        client = lock_own(Client.objects.all(), agency=actor.agency, pk=client.pk)
        scope = selectors.client_scope(agency=actor.agency, client=client)
        files = selectors.client_data(scope=scope)
        audit_record(
            verb=Verb.CLIENT_EXPORTED,
            actor=actor.user,
            agency=actor.agency,
            target=client,
            changes={"files": sorted(files)},
        )
    return build_archive(files)


@transaction.atomic
def client_erase(*, actor: Membership, client: Client, confirm_name: str) -> dict[str, int]:
    """Erase a client and everything of theirs: its engagements with all that hangs off them,
    its contacts and portal access, and the bookings that led to it or were made by its
    people (kept as the agency's history, with the visitor forgotten). The audit trail keeps
    who did what and when, without the erased names, addresses or changes."""
    require(actor, C.MANAGE_AGENCY)
    agency = actor.agency
    client = lock_own(Client.objects.all(), agency=agency, pk=client.pk)
    if confirm_name.strip().casefold() != client.name.strip().casefold():
        raise ValidationError(
            {"confirm_name": "Type the client's name exactly as shown to confirm."},
            code="confirm_mismatch",
        )
    client_id = client.pk
    scope = selectors.client_scope(agency=agency, client=client)
    addresses, targets = scope.addresses(), scope.target_ids()
    placeholder = placeholder_email("erased", client_id)
    counts = selectors.client_counts(scope)
    deliveries_forget(subjects=scope.bookings)
    booking_anonymise(bookings=scope.bookings, name=DELETED_NAME, email=placeholder)
    for membership in scope.portal_members:
        membership_remove(actor=actor, membership=membership)
    for project in scope.projects:
        project_erase(actor=actor, project=project)
    client_delete(actor=actor, client=client)
    trail = AuditEvent.objects.for_agency(agency)
    quoting = Q(pk__in=[])
    for address in addresses:
        quoting |= Q(actor_email__iexact=address) | Q(target_repr__icontains=address)
        quoting |= Q(changes__icontains=address)
    counts["audit_events_redacted"] = audit_forget_targets(
        events=trail.filter(target_id__in=targets), label=ERASED_LABEL
    ) + audit_redact(
        events=trail.filter(quoting), replacements=dict.fromkeys(addresses, placeholder)
    )
    audit_record(
        verb=Verb.CLIENT_ERASED,
        actor=actor.user,
        agency=agency,
        target=Client(pk=client_id),
        target_repr=f"{ERASED_LABEL} client",
        changes=counts,
    )
    return counts


# --- The agency's privacy notice ---------------------------------------------------------------

NOTICE_FIELDS = ("contact_email", "contact_details", "data_kept", "retention")


@transaction.atomic
def privacy_notice_save(
    *,
    actor: Membership,
    contact_email: str,
    contact_details: str,
    data_kept: str,
    retention: str,
) -> PrivacyNotice:
    """Write the agency's privacy notice (one per agency), audited as a settings change."""
    require(actor, C.MANAGE_AGENCY)
    agency = actor.agency
    # One notice per agency: the agency row's lock makes two first saves queue.
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    notice = PrivacyNotice.objects.for_agency(agency).first() or PrivacyNotice(agency=agency)
    values = {
        "contact_email": contact_email.strip().lower(),
        "contact_details": contact_details.strip(),
        "data_kept": data_kept.strip(),
        "retention": retention.strip(),
    }
    changed = sorted(field for field, value in values.items() if getattr(notice, field) != value)
    if not changed and not notice._state.adding:
        return notice
    for field, value in values.items():
        setattr(notice, field, value)
    notice.full_clean()
    notice.save()
    audit_record(
        verb=Verb.AGENCY_UPDATED,
        actor=actor.user,
        agency=agency,
        target=agency,
        changes={"privacy_notice": changed},
    )
    return notice


# --- Retention ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionPeriods:
    """How long records are kept; None keeps them for ever (a setting of 0)."""

    audit_events: timedelta | None
    scans: timedelta | None
    sent_mail: timedelta | None


RETENTION_SETTINGS = {
    "audit_events": "AUDIT_RETENTION_DAYS",
    "scans": "SCAN_RETENTION_DAYS",
    "sent_mail": "SENT_MAIL_RETENTION_DAYS",
}


def retention_periods() -> RetentionPeriods:
    """The periods from settings. A value that is not a whole number of days, 0 or more,
    stops the purge before it deletes anything."""
    periods: dict[str, timedelta | None] = {}
    for key, name in RETENTION_SETTINGS.items():
        days = getattr(settings, name, None)
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ImproperlyConfigured(
                f"{name} must be a whole number of days, 0 (keep for ever) or more; it is {days!r}."
            )
        periods[key] = timedelta(days=days) if days else None
    return RetentionPeriods(**periods)


def retention_purge(*, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Delete what is older than its retention period, agency by agency (one transaction
    each), over every agency; each agency with something purged gets a RETENTION_PURGED
    event with the counts. Safe to run twice: the second run finds nothing to purge.
    Returns the counts by agency id ("" for the account events of no agency)."""
    periods = retention_periods()
    now = now or timezone.now()
    results: dict[str, dict[str, int]] = {}
    with cross_agency("retention"):
        for agency in Agency.objects.order_by("pk"):
            with transaction.atomic():
                counts = _purge_agency(agency, periods, now)
                if any(counts.values()):
                    audit_record(verb=Verb.RETENTION_PURGED, agency=agency, changes=counts)
            results[str(agency.pk)] = counts
        if periods.audit_events is not None:
            with transaction.atomic():
                purged = audit_purge(agency=None, before=now - periods.audit_events)
                if purged:
                    audit_record(verb=Verb.RETENTION_PURGED, changes={"audit_events": purged})
            results[""] = {"audit_events": purged}
    return results


def _purge_agency(agency: Agency, periods: RetentionPeriods, now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    if periods.audit_events is not None:
        counts["audit_events"] = audit_purge(agency=agency, before=now - periods.audit_events)
    if periods.scans is not None:
        counts["scans"], counts["scan_findings"] = scans_purge(
            agency=agency, before=now - periods.scans
        )
    if periods.sent_mail is not None:
        counts["invitations"] = invitations_purge(agency=agency, before=now - periods.sent_mail)
        counts["deliveries"] = deliveries_purge(agency=agency, before=now - periods.sent_mail)
    return counts
