"""Operators' admin for people and their sign-in: accounts, email addresses, authenticators
and sessions (never their secrets), permission groups and the site. The audit trail is
registered here too: audit sits below accounts, so its admin cannot import the operators'
base."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site

from apps.accounts.admin_site import OperatorModelAdmin
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.core.models import PendingTask

# allauth and django.contrib register plain ModelAdmins (allauth's show TOTP secrets and
# session keys, and offer "mark verified" in bulk); they come back below on the operators'
# base.
for _model in (Group, Site, EmailAddress, Authenticator, UserSession):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class UserAdmin(OperatorModelAdmin):
    """Operators deactivate people and grant staff rights; profiles are the person's own."""

    list_display = ["email", "name", "is_active", "is_staff", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    secret_fields = ("password",)
    editable_fields = ("is_active", "is_staff", "is_superuser", "groups")
    superuser_fields = ("is_staff", "is_superuser", "groups")
    filter_horizontal = ["groups"]


@admin.register(EmailAddress)
class EmailAddressAdmin(OperatorModelAdmin):
    list_display = ["email", "user", "primary", "verified"]
    list_filter = ["primary", "verified"]
    search_fields = ["email", "user__email"]
    list_select_related = ["user"]


@admin.register(Authenticator)
class AuthenticatorAdmin(OperatorModelAdmin):
    """An operator removes the authenticator of someone who lost it and their recovery
    codes (they enrol again at their next sign-in): audited, unlike a shell."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    secret_fields = ("data",)
    may_delete = True


@admin.register(Group)
class GroupAdmin(OperatorModelAdmin):
    """Groups carry the model permissions of staff who are not superusers."""

    list_display = ["name"]
    search_fields = ["name"]
    editable_fields = ("name", "permissions")
    filter_horizontal = ["permissions"]
    may_add = True
    may_delete = True


@admin.register(Site)
class SiteAdmin(OperatorModelAdmin):
    list_display = ["domain", "name"]


@admin.register(UserSession)
class UserSessionAdmin(OperatorModelAdmin):
    """Who is signed in where. The session key is the session itself: never shown."""

    list_display = ["user", "ip", "user_agent", "created_at", "last_seen_at"]
    search_fields = ["user__email", "ip"]
    list_select_related = ["user"]
    secret_fields = ("session_key", "data")


@admin.register(AuditEvent)
class AuditEventAdmin(OperatorModelAdmin):
    """The trail is append-only: readable here, never changed."""

    list_display = ["created_at", "verb", "actor_email", "target_type", "target_repr", "ip_address"]
    list_filter = ["verb"]
    # target_id: an object's "History" in the admin opens this list searched by its id.
    search_fields = ["actor_email", "target_repr", "target_id", "request_id"]
    date_hierarchy = "created_at"


@admin.register(PendingTask)
class PendingTaskAdmin(OperatorModelAdmin):
    """The task outbox (apps.core.outbox), registered here as the trail is: core sits below
    accounts. Read-only: what waits for the broker and what was published."""

    list_display = ["created_at", "name", "agency", "published_at"]
    # "Empty" published_at is the backlog an operator looks for after a Redis outage.
    list_filter = [("published_at", admin.EmptyFieldListFilter), "agency", "name"]
    list_select_related = ["agency"]
    date_hierarchy = "created_at"
