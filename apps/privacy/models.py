"""Each agency's privacy notice: who to ask about one's data, what the agency keeps and for
how long. Shown at a public address and linked from the booking form."""

from __future__ import annotations

from django.db import models

from apps.core.models import TenantOwnedModel
from apps.privacy import limits


class PrivacyNotice(TenantOwnedModel):
    """One per agency, written on its settings. The short consent text of the booking form
    stays on the booking policy; this is the full notice it points to."""

    contact_email = models.EmailField(
        "contact for data requests",
        max_length=limits.CONTACT_EMAIL_MAX_LENGTH,
        help_text="Where people write to see, correct or delete what you keep about them.",
    )
    contact_details = models.TextField(
        "other contact details",
        max_length=limits.CONTACT_DETAILS_MAX_LENGTH,
        blank=True,
        help_text="Optional: a postal address, your data protection officer.",
    )
    data_kept = models.TextField(
        "what you keep",
        max_length=limits.DATA_KEPT_MAX_LENGTH,
        help_text="What you keep about the people who book or work with you, and why.",
    )
    retention = models.TextField(
        "how long you keep it",
        max_length=limits.RETENTION_MAX_LENGTH,
        help_text="For example: bookings for 12 months unless we work together.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency"], name="privacy_notice_once")]

    def __str__(self) -> str:
        return f"Privacy notice of {self.agency_id}"
