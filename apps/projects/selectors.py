"""Reads for engagements. Visibility is decided here, once: admins see every engagement,
engineers the ones they are assigned to (their guardian grant), client contacts their
client's."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from apps.agencies.models import Membership
from apps.agencies.roles import Capability, Role
from apps.projects.models import Activity, Assignment, Project

C = Capability


def visible_projects(*, member: Membership) -> QuerySet[Project]:
    qs = Project.objects.for_agency(member.agency)
    if member.can(C.VIEW_ALL_ENGAGEMENTS):
        return qs
    if member.can(C.VIEW_ASSIGNED_ENGAGEMENTS):
        return qs.filter(
            projectuserobjectpermission__user=member.user,
            projectuserobjectpermission__permission__codename="view_project",
        )
    if member.can(C.VIEW_OWN_CLIENT_ENGAGEMENTS) and member.client_id:
        return qs.filter(client_id=member.client_id)
    return qs.none()


def project_list(
    *,
    member: Membership,
    stage: str | None = None,
    client_id=None,
    search: str | None = None,
    archived: bool = False,
    assignee: Membership | None = None,
) -> QuerySet[Project]:
    qs = visible_projects(member=member).select_related("client")
    qs = qs.filter(archived_at__isnull=not archived)
    if stage:
        qs = qs.filter(stage=stage)
    if client_id:
        qs = qs.filter(client_id=client_id)
    if assignee is not None:
        qs = qs.filter(assignments__membership=assignee)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(client__name__icontains=search))
    return qs.annotate(
        open_items=Count(
            "checklist_items",
            filter=Q(
                checklist_items__retired_at__isnull=True,
                checklist_items__status__in=["todo", "in_progress"],
            ),
        )
    ).order_by("-last_activity_at", "name", "id")


def project_detail_queryset(*, member: Membership) -> QuerySet[Project]:
    return (
        visible_projects(member=member)
        .select_related("client", "tier_overridden_by")
        .prefetch_related(
            "environments",
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("membership__user").order_by(
                    "created_at"
                ),
            ),
        )
    )


def assignable_members(*, agency) -> QuerySet[Membership]:
    """Staff who can be put on an engagement (engineers, and admins who want to be)."""
    return (
        Membership.objects.for_agency(agency)
        .filter(role__in=[Role.OWNER, Role.ADMIN, Role.ENGINEER])
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def assignment_list(*, project: Project) -> QuerySet[Assignment]:
    return (
        Assignment.objects.for_agency(project.agency)
        .filter(project=project)
        .select_related("membership__user", "assigned_by")
        .order_by("created_at", "id")
    )


def activity_list(*, project: Project, limit: int | None = 30) -> QuerySet[Activity]:
    qs = (
        Activity.objects.for_agency(project.agency)
        .filter(project=project)
        .select_related("actor", "item")
        .order_by("-created_at", "-id")
    )
    return qs[:limit] if limit else qs
