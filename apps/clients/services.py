"""Writes for clients and their contacts, including inviting a contact to the portal."""

from __future__ import annotations

from django.db import transaction

from apps.agencies.models import Invitation, Membership
from apps.agencies.roles import Capability, Role, require
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.clients.models import Client, ClientContact
from apps.core.access import ensure_own

CLIENT_FIELDS = ("name", "website", "billing_email", "notes", "status")
CONTACT_FIELDS = ("name", "email", "title", "phone")


@transaction.atomic
def client_create(*, actor: Membership, **fields) -> Client:
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    client = Client(agency=actor.agency, **{k: v for k, v in fields.items() if k in CLIENT_FIELDS})
    client.name = client.name.strip()
    client.full_clean()
    client.save()
    audit_record(verb=Verb.CLIENT_CREATED, actor=actor.user, agency=actor.agency, target=client)
    return client


@transaction.atomic
def client_update(*, actor: Membership, client: Client, **fields) -> Client:
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, client)
    changes = {}
    for name in CLIENT_FIELDS:
        if name in fields and getattr(client, name) != fields[name]:
            changes[name] = [getattr(client, name), fields[name]]
            setattr(client, name, fields[name])
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
def contact_create(*, actor: Membership, client: Client, **fields) -> ClientContact:
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, client)
    contact = ClientContact(
        agency=actor.agency,
        client=client,
        **{k: v for k, v in fields.items() if k in CONTACT_FIELDS},
    )
    contact.email = contact.email.strip().lower()
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, actor: Membership, contact: ClientContact, **fields) -> ClientContact:
    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, contact)
    for name in CONTACT_FIELDS:
        if name in fields:
            setattr(contact, name, fields[name])
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
    from apps.agencies.services import invitation_create

    require(actor, Capability.MANAGE_ENGAGEMENTS)
    ensure_own(actor.agency, contact)
    return invitation_create(
        actor=actor, email=contact.email, role=Role.CLIENT, client=contact.client
    )
