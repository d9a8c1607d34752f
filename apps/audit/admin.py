"""The audit trail in the operators' admin: readable, never editable."""

from django.contrib import admin

from apps.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "verb", "actor_email", "agency", "target_repr", "ip_address"]
    list_filter = ["verb"]
    search_fields = ["actor_email", "target_repr", "request_id"]
    list_select_related = ["agency"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
