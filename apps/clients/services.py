"""Writes for clients and their contacts, including inviting a contact to the portal."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from apps.agencies.models import Invitation, Membership
from apps.agencies.roles import Capability, Role, require
from apps.agencies.services import invitation_create
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.clients.models import Client, ClientContact
from apps.core.access import ensure_own, lock_own
from apps.core.errors import ApplicationError
from apps.core.unset import UNSET, Unset

# The client's editable fields, as the edit page fills its form.
CLIENT_FIELDS = ("name", "website", "billing_email", "notes", "status")


@transaction.atomic
def client_create(
    *,
    actor: Membership,
    name: str,
    website: str = "",
    billing_email: str = "",
    notes: str = "",
    status: str = Client.Status.ACTIVE,
) -> Client:
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    client = Client(
        agency=actor.agency,
        name=name.strip(),
        website=website,
        billing_email=billing_email,
        notes=notes,
        status=status,
    )
    client.full_clean()
    client.save()
    audit_record(verb=Verb.CLIENT_CREATED, actor=actor.user, agency=actor.agency, target=client)
    return client


@transaction.atomic
def client_update(
    *,
    actor: Membership,
    client: Client,
    name: str | Unset = UNSET,
    website: str | Unset = UNSET,
    billing_email: str | Unset = UNSET,
    notes: str | Unset = UNSET,
    status: str | Unset = UNSET,
) -> Client:
    """Change the fields given (the others keep their value), audited old and new."""
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, client)
    requested = {
        "name": name,
        "website": website,
        "billing_email": billing_email,
        "notes": notes,
        "status": status,
    }
    changes = {}
    for field, value in requested.items():
        if value is not UNSET and getattr(client, field) != value:
            changes[field] = [getattr(client, field), value]
            setattr(client, field, value)
    if not changes:
        return client
    client.full_clean()
    client.save()
    verb = (
        Verb.CLIENT_ARCHIVED
        if changes.get("status", [None, None])[1] == Client.Status.ARCHIVED
        else Verb.CLIENT_UPDATED
    )
    audit_record(verb=verb, actor=actor.user, agency=actor.agency, target=client, changes=changes)
    return client


@transaction.atomic
def contact_create(
    *,
    actor: Membership,
    client: Client,
    name: str,
    email: str,
    title: str = "",
    phone: str = "",
) -> ClientContact:
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, client)
    contact = ClientContact(
        agency=actor.agency,
        client=client,
        name=name,
        email=email.strip().lower(),
        title=title,
        phone=phone,
    )
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: Membership,
    contact: ClientContact,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    title: str | Unset = UNSET,
    phone: str | Unset = UNSET,
) -> ClientContact:
    """Change the fields given; the others keep their value."""
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, contact)
    if not isinstance(name, Unset):
        contact.name = name
    if not isinstance(email, Unset):
        contact.email = email
    if not isinstance(title, Unset):
        contact.title = title
    if not isinstance(phone, Unset):
        contact.phone = phone
    contact.email = contact.email.strip().lower()
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, actor: Membership, contact: ClientContact) -> None:
    """Forget the contact. A portal membership they hold stays until an admin removes it."""
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, contact)
    contact.delete()


def contact_invite(*, actor: Membership, contact: ClientContact) -> tuple[Invitation, str]:
    """Invite the contact to the client portal: accepting links them to this client."""
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, contact)
    return invitation_create(
        actor=actor, email=contact.email, role=Role.CLIENT, client=contact.client
    )


# --- Privacy: erasure (called by apps.privacy) -----------------------------------------------


def contacts_forget(*, contacts: QuerySet[ClientContact]) -> int:
    """Account deletion: the contact rows that are the person go (their clients stay)."""
    deleted, _ = contacts.delete()
    return deleted


@transaction.atomic
def client_delete(*, actor: Membership, client: Client) -> None:
    """The last step of erasing a client: the client row, its contacts and the invitations
    sent to its people. Its engagements must be erased first (they keep the client)."""
    require(actor, Capability.MANAGE_AGENCY)
    client = lock_own(Client.objects.all(), agency=actor.agency, pk=client.pk)
    if client.projects.exists():
        raise ApplicationError(
            "This client still has engagements; erase them first.", code="has_engagements"
        )
    client.delete()
