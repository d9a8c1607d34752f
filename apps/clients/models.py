"""An agency's clients (the companies behind the prototypes) and the people at them."""

from __future__ import annotations

from typing import ClassVar, Self

from django.db import models
from django.db.models.functions import Lower

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

    name = models.CharField(max_length=160)
    website = models.URLField(max_length=300, blank=True)
    billing_email = models.EmailField(max_length=254, blank=True)
    notes = models.TextField(max_length=5000, blank=True)
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
        indexes = [models.Index(fields=["agency", "status", "name"], name="client_agency_status")]

    def __str__(self) -> str:
        return self.name


class ClientContact(TenantOwnedModel):
    """A person at the client. Once invited and signed up, `membership` is their way in:
    a client-contact membership that sees only this client's engagements."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)

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
