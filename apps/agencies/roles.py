"""Roles and what each may do: the single table every view, API and template check reads.

It transcribes the roles table of DESIGN.md. Capabilities scoped to one engagement
("assigned", "own client's") are granted per object by services with django-guardian; this
table says which role may hold them at all.
"""

from enum import StrEnum

from django.db import models

from apps.core.errors import PermissionDeniedError


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ENGINEER = "engineer", "Engineer"
    CLIENT = "client", "Client contact"


class Capability(StrEnum):
    # members, invitations, roles, agency settings
    MANAGE_AGENCY = "manage_agency"
    # making someone an owner, or changing or removing an owner (owners only)
    MANAGE_OWNERS = "manage_owners"
    # clients and engagements: create, edit, archive, assign engineers
    MANAGE_ENGAGEMENTS = "manage_engagements"
    VIEW_ALL_ENGAGEMENTS = "view_all_engagements"
    VIEW_ASSIGNED_ENGAGEMENTS = "view_assigned_engagements"
    VIEW_OWN_CLIENT_ENGAGEMENTS = "view_own_client_engagements"
    # checklist items: change status, evidence, assignee
    EDIT_ALL_CHECKLISTS = "edit_all_checklists"
    EDIT_ASSIGNED_CHECKLISTS = "edit_assigned_checklists"
    COMMENT_ON_CHECKLISTS = "comment_on_checklists"
    # repository scans
    RUN_ALL_SCANS = "run_all_scans"
    RUN_ASSIGNED_SCANS = "run_assigned_scans"
    VIEW_SCAN_SUMMARY = "view_scan_summary"
    # consultation types and everyone's availability; one's own availability
    MANAGE_OFFERS = "manage_offers"
    MANAGE_OWN_AVAILABILITY = "manage_own_availability"
    BOOK_CONSULTATION = "book_consultation"
    # the agency's audit log and whole-agency data export
    VIEW_AUDIT_LOG = "view_audit_log"
    # one's own data: export, erasure, API tokens
    MANAGE_OWN_DATA = "manage_own_data"
    # the staff side of the web app (dashboard, my work); client contacts use the portal
    USE_STAFF_APP = "use_staff_app"


C = Capability

_STAFF_ADMIN = frozenset(
    {
        C.MANAGE_AGENCY,
        C.MANAGE_ENGAGEMENTS,
        C.VIEW_ALL_ENGAGEMENTS,
        C.VIEW_ASSIGNED_ENGAGEMENTS,
        C.EDIT_ALL_CHECKLISTS,
        C.EDIT_ASSIGNED_CHECKLISTS,
        C.COMMENT_ON_CHECKLISTS,
        C.RUN_ALL_SCANS,
        C.RUN_ASSIGNED_SCANS,
        C.VIEW_SCAN_SUMMARY,
        C.MANAGE_OFFERS,
        C.MANAGE_OWN_AVAILABILITY,
        C.BOOK_CONSULTATION,
        C.VIEW_AUDIT_LOG,
        C.MANAGE_OWN_DATA,
        C.USE_STAFF_APP,
    }
)

CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.OWNER: _STAFF_ADMIN | {C.MANAGE_OWNERS},
    Role.ADMIN: _STAFF_ADMIN,
    Role.ENGINEER: frozenset(
        {
            C.VIEW_ASSIGNED_ENGAGEMENTS,
            C.EDIT_ASSIGNED_CHECKLISTS,
            C.COMMENT_ON_CHECKLISTS,
            C.RUN_ASSIGNED_SCANS,
            C.VIEW_SCAN_SUMMARY,
            C.MANAGE_OWN_AVAILABILITY,
            C.BOOK_CONSULTATION,
            C.MANAGE_OWN_DATA,
            C.USE_STAFF_APP,
        }
    ),
    Role.CLIENT: frozenset(
        {
            C.VIEW_OWN_CLIENT_ENGAGEMENTS,
            C.COMMENT_ON_CHECKLISTS,
            C.VIEW_SCAN_SUMMARY,
            C.BOOK_CONSULTATION,
            C.MANAGE_OWN_DATA,
        }
    ),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in CAPABILITIES[Role(role)]


def require(member, capability: Capability) -> None:
    """For services, which check again what the view checked (they are called from tasks,
    commands and other services too): refuse unless the member's role holds `capability`."""
    if not member.can(capability):
        raise PermissionDeniedError
