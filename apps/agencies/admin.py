"""Operators' admin for tenants and memberships. Tokens and invitations are read-only here:
their secrets exist only as hashes, and changes go through the services."""

from django.contrib import admin

from apps.agencies.models import Agency, ApiToken, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "agency__slug"]
    list_select_related = ["user", "agency"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "agency", "role", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "agency__slug"]
    list_select_related = ["agency"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "agency", "membership", "expires_at", "revoked_at"]
    list_select_related = ["agency", "membership__user"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request):
        return False
