"""Reads for engagements. Visibility is decided here, once: admins see every engagement,
engineers the ones they are assigned to (their guardian grant), client contacts their
client's."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from django.db.models import Count, F, Model, Prefetch, Q, QuerySet, Subquery

from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Capability, Role
from apps.projects.models import Activity, Assignment, Project, ProjectQuerySet

C = Capability
M = TypeVar("M", bound=Model)


def visible_projects(*, member: Membership) -> ProjectQuerySet:
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
    client_id: UUID | str | None = None,
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
    return qs.order_by(F("last_activity_at").desc(nulls_last=True), "name", "id")


def project_detail_queryset(*, member: Membership) -> QuerySet[Project]:
    return (
        visible_projects(member=member)
        .select_related("agency", "client", "tier_overridden_by")
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


def assignable_members(*, agency: Agency) -> QuerySet[Membership]:
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


def visible_project_filter(member: Membership, prefix: str = "project") -> Q:
    """A condition on rows that belong to an engagement (items, activities): the engagement
    is one the member can see. For admins it is a plain join, which lets PostgreSQL walk an
    index in order and stop at the first page instead of materialising a subquery."""
    if member.can(C.VIEW_ALL_ENGAGEMENTS):
        return Q()
    if member.can(C.VIEW_OWN_CLIENT_ENGAGEMENTS) and not member.can(C.VIEW_ASSIGNED_ENGAGEMENTS):
        return Q(**{f"{prefix}__client_id": member.client_id}) if member.client_id else Q(pk=None)
    return Q(**{f"{prefix}__in": visible_projects(member=member)})


def first_page(
    qs: QuerySet[M], *, limit: int, order: tuple[str, ...], related: tuple[str, ...]
) -> QuerySet[M]:
    """Pick the page's ids first, then join what the page shows: joining before LIMIT made
    PostgreSQL join every candidate row (measured 8 ms against under 1 ms)."""
    ids = qs.order_by(*order).values("pk")[:limit]
    page: QuerySet[M] = qs.model._default_manager.filter(pk__in=Subquery(ids))
    return page.select_related(*related).order_by(*order)


def recent_activity(*, member: Membership, limit: int = 10) -> QuerySet[Activity]:
    """The latest events across the engagements the member can see."""
    qs = Activity.objects.for_agency(member.agency).filter(visible_project_filter(member))
    return first_page(
        qs, limit=limit, order=("-created_at", "-id"), related=("actor", "project", "item")
    )


def stage_counts(*, member: Membership) -> dict[str, int]:
    rows = (
        visible_projects(member=member).active().values("stage").annotate(n=Count("id")).order_by()
    )
    return {row["stage"]: row["n"] for row in rows}
