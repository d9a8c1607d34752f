"""Operators' admin for the agencies' privacy notices (read-only: agencies write them)."""

from django.contrib import admin

from apps.accounts.admin_site import OperatorModelAdmin
from apps.privacy.models import PrivacyNotice


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(OperatorModelAdmin):
    list_display = ["__str__", "contact_email", "updated_at"]
    search_fields = ["contact_email"]
