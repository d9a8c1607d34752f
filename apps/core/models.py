"""Base models: UUID keys for everything addressed from outside, and the tenant-owned base."""

from __future__ import annotations

import uuid
from typing import Self

from django.core.exceptions import ValidationError
from django.db import models

from apps.core.tenancy import check_agency


class UUIDModel(models.Model):
    """Rows are addressed by random UUIDs in URLs and the API, never by enumerable integers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TenantQuerySet(models.QuerySet):
    def for_agency(self, agency: models.Model) -> Self:
        """The only way to read tenant-owned rows: always for one agency, the active one."""
        check_agency(agency)
        return self.filter(agency=agency)


class TenantOwnedModel(UUIDModel):
    """A row that belongs to exactly one agency (the tenant).

    `clean()` refuses a foreign key that points at another agency's row, so a service that
    calls `full_clean()` cannot attach a foreign object even when a form or API let one through.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        errors = {}
        for field in self._meta.concrete_fields:
            if not field.is_relation or field.name == "agency":
                continue
            related_model = field.related_model
            if not (
                isinstance(related_model, type) and issubclass(related_model, TenantOwnedModel)
            ):
                continue
            related = getattr(self, field.name, None)
            if related is not None and related.agency_id != self.agency_id:
                errors[field.name] = ValidationError(
                    "Choose one from this agency.", code="cross_agency"
                )
        if errors:
            raise ValidationError(errors)


class PendingTask(TenantOwnedModel):
    """A Celery task a write queued (apps.core.outbox): recorded in the write's transaction,
    published after it commits, and by the outbox sweep when the broker was away then, so a
    Redis outage never loses the task nor turns the saved write into a 500."""

    name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(published_at__isnull=True),
                name="core_pendingtask_unpublished",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({'published' if self.published_at else 'pending'})"
