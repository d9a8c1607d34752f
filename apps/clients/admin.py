"""Operators' admin for clients and their contacts (read-only: clients change in the app)."""

from django.contrib import admin

from apps.accounts.admin_site import OperatorModelAdmin
from apps.clients.models import Client, ClientContact


@admin.register(Client)
class ClientAdmin(OperatorModelAdmin):
    list_display = ["name", "status", "billing_email", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "billing_email"]


@admin.register(ClientContact)
class ClientContactAdmin(OperatorModelAdmin):
    list_display = ["name", "email", "client", "created_at"]
    search_fields = ["name", "email", "client__name"]
    list_select_related = ["client"]
