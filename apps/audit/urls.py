"""The audit log, mounted under /<agency_slug>/."""

from django.urls import path

from apps.audit.views import AuditLogView

urlpatterns = [path("audit/", AuditLogView.as_view(), name="audit_log")]
