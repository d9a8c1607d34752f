"""Operators' admin for tenants, memberships, invitations and API tokens, read-only: roles,
invitations and tokens change through the services (the last-owner rule, the audit trail);
secrets exist only as hashes and the admin never shows them."""

from django.contrib import admin
from django.db import models

from apps.accounts.admin_site import OperatorModelAdmin
from apps.agencies.models import Agency, AgencyBrand, ApiToken, Invitation, Membership


@admin.register(Agency)
class AgencyAdmin(OperatorModelAdmin):
    list_display = ["name", "slug", "time_zone", "created_at"]
    search_fields = ["name", "slug"]

    def audit_agency(self, obj: models.Model) -> models.Model | None:
        return obj  # an event about the agency belongs in its own audit log


@admin.register(Membership)
class MembershipAdmin(OperatorModelAdmin):
    list_display = ["user", "role", "client", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "agency__slug", "agency__name"]
    list_select_related = ["user", "client"]


@admin.register(Invitation)
class InvitationAdmin(OperatorModelAdmin):
    list_display = ["email", "role", "expires_at", "send_count", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "agency__slug"]
    secret_fields = ("token_hash",)


@admin.register(AgencyBrand)
class AgencyBrandAdmin(OperatorModelAdmin):
    list_display = ["agency", "accent_color", "logo_width", "logo_height", "updated_at"]
    search_fields = ["agency__slug", "agency__name"]
    # The logo's bytes are not shown in the operators' admin.
    exclude = ["logo"]


@admin.register(ApiToken)
class ApiTokenAdmin(OperatorModelAdmin):
    list_display = ["name", "prefix", "membership", "expires_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "membership__user__email"]
    list_select_related = ["membership__user"]
    secret_fields = ("token_hash",)
