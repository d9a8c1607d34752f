"""The tenant (Agency) and who belongs to it: memberships, invitations, personal API tokens."""

from __future__ import annotations

import uuid
from typing import ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from apps.accounts.validators import validate_time_zone
from apps.agencies import limits
from apps.agencies.roles import Capability, Role, role_can
from apps.agencies.validators import validate_agency_slug
from apps.core.models import TenantOwnedModel, TenantQuerySet


class Agency(models.Model):
    """A software agency: the tenant. Every tenant-owned row points here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=limits.AGENCY_NAME_MAX_LENGTH)
    slug = models.SlugField(
        max_length=limits.AGENCY_SLUG_MAX_LENGTH,
        unique=True,
        validators=[validate_agency_slug],
        help_text="The agency's address: /<slug>/ for the app, /book/<slug>/ for booking.",
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # Members without an authenticator are sent to enrol before any page or API answer of the
    # agency (apps.agencies.mfa_policy); owners and admins turn it on in the settings.
    require_mfa = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text="Every member must sign in with an authenticator app as well as a password.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TenantOwnedModel):
    """A person's place in an agency, with the role that decides what they may do there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    # For client contacts: the client whose engagements they follow in the portal.
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
    )
    # Not a column: guardian's cache of this member's engagement grants for one request,
    # set by apps.projects.permissions (prefetch_grants) and read by its checks.
    _perm_checker: ObjectPermissionChecker

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(client__isnull=True) | Q(role=Role.CLIENT),
                name="membership_client_only_for_client_role",
                violation_error_message="Only client contacts are linked to a client.",
            ),
            models.UniqueConstraint(
                fields=["agency", "user"],
                name="membership_one_per_agency",
                violation_error_message="This person is already a member of the agency.",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [
            models.Index(fields=["agency", "role"], name="membership_agency_role"),
            # The members list's sort key, unique (apps.core.api cursor pagination).
            models.Index(fields=["agency", "created_at", "id"], name="membership_agency_order"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.agency_id}"

    def can(self, capability: Capability) -> bool:
        return role_can(self.role, capability)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class InvitationQuerySet(TenantQuerySet["Invitation"]):
    def pending(self) -> Self:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


InvitationManager = models.Manager.from_queryset(InvitationQuerySet)


class Invitation(TenantOwnedModel):
    """An offer to join an agency with a role, sent by email. Only the token's hash is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH)
    role = models.CharField(max_length=16, choices=Role.choices)
    # Set when a client contact is invited from the client's page: accepting links them.
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    # Set by the email task once the message for the current token has gone out.
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[InvitationManager] = InvitationManager()

    class Meta:
        constraints = [
            # One open invitation per address and agency; accepted or revoked ones are history.
            models.UniqueConstraint(
                fields=["agency", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message=(
                    "An invitation to this address is already open; resend it instead."
                ),
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
            models.CheckConstraint(
                condition=Q(client__isnull=True) | Q(role=Role.CLIENT),
                name="invitation_client_only_for_client_role",
                violation_error_message="Only client contacts are linked to a client.",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "-created_at", "-id"], name="invitation_agency_order"),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.role})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class ApiToken(TenantOwnedModel):
    """A personal access token: acts as its member in one agency only. Stored as a hash."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=limits.API_TOKEN_NAME_MAX_LENGTH)
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "membership", "-created_at"], name="apitoken_member"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class AgencyBrand(TenantOwnedModel):
    """How the agency's public booking pages look: its logo and accent colour. Apart from
    the agency row, so that the logo's bytes are read only where it is drawn."""

    accent_color = models.CharField(max_length=7, blank=True)  # "#RRGGBB"; empty: the default
    # The logo as kept: re-encoded PNG, at most LOGO_KEPT_HEIGHT high, metadata stripped.
    logo = models.BinaryField(null=True, blank=True, editable=False)
    logo_width = models.PositiveSmallIntegerField(default=0)
    logo_height = models.PositiveSmallIntegerField(default=0)
    # A digest of the logo and colour: their public addresses change with them, so that
    # they can be cached for a year.
    version = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency"], name="agencies_brand_one_per_agency")
        ]

    def __str__(self) -> str:
        return f"Brand of {self.agency_id}"

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_width)
