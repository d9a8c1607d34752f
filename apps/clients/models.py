"""An agency's clients (the companies behind the prototypes) and the people at them."""

from __future__ import annotations

from typing import ClassVar, Self

from django.db import models
from django.db.models.functions import Lower

from apps.clients import limits
from apps.core.models import TenantOwnedModel, TenantQuerySet


class ClientQuerySet(TenantQuerySet["Client"]):
    def active(self) -> Self:
        return self.exclude(status=Client.Status.ARCHIVED)


ClientManager = models.Manager.from_queryset(ClientQuerySet)


class Client(TenantOwnedModel):
    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=limits.NAME_MAX_LENGTH)
    website = models.URLField(max_length=limits.WEBSITE_MAX_LENGTH, blank=True)
    billing_email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH, blank=True)
    notes = models.TextField(max_length=limits.NOTES_MAX_LENGTH, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)

    objects: ClassVar[ClientManager] = ClientManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "agency",
                Lower("name"),
                name="client_name_unique_per_agency",
                violation_error_message="A client with this name already exists.",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "name"], name="client_agency_status"),
            models.Index(fields=["agency", "name", "id"], name="client_agency_order"),
        ]

    def __str__(self) -> str:
        return self.name


class ClientContact(TenantOwnedModel):
    """A person at the client. Once invited and signed up, `membership` is their way in:
    a client-contact membership that sees only this client's engagements."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=limits.CONTACT_NAME_MAX_LENGTH)
    email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH)
    title = models.CharField(max_length=limits.CONTACT_TITLE_MAX_LENGTH, blank=True)
    phone = models.CharField(max_length=limits.CONTACT_PHONE_MAX_LENGTH, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "email"],
                name="contact_email_unique_per_client",
                violation_error_message="This client already has a contact with this email.",
            ),
        ]
        indexes = [models.Index(fields=["agency", "email"], name="contact_agency_email")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
