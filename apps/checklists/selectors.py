"""Reads for checklists: an engagement's items (filtered), a person's work across
engagements, overdue items, the item's history, readiness and its history."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.agencies.models import Agency, Membership
from apps.checklists import readiness
from apps.checklists.models import (
    CatalogItem,
    Comment,
    Evidence,
    ItemStatus,
    ProjectItem,
    ProjectItemQuerySet,
    ReadinessSnapshot,
)
from apps.projects.models import Activity, Project
from apps.projects.selectors import first_page, visible_project_filter, visible_projects

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _with_row_fields(qs: ProjectItemQuerySet) -> ProjectItemQuerySet:
    """What an item's row shows beyond its own columns: the catalog's target (one column, not
    the whole catalog row with its guidance) and how much evidence it has, counted per row
    rather than by a join grouped over every selected column."""
    evidence = (
        Evidence.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        catalog_target=F("catalog_item__target"), evidence_count=Coalesce(Subquery(evidence), 0)
    )


def item_list(
    *,
    project: Project,
    category: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    assignee: Membership | None = None,
    search: str | None = None,
    include_retired: bool = False,
) -> QuerySet[ProjectItem]:
    qs = _with_row_fields(
        ProjectItem.objects.for_agency(project.agency)
        .filter(project=project)
        .select_related("assignee__user")
    )
    if not include_retired:
        qs = qs.current()
    if category:
        qs = qs.filter(category=category)
    if status == "open":
        qs = qs.filter(status__in=[ItemStatus.TODO, ItemStatus.IN_PROGRESS])
    elif status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(key__icontains=search))
    return qs.order_by("category", "key", "id")


def item_detail_queryset(*, project: Project) -> QuerySet[ProjectItem]:
    # The row fields too: the API's item answer carries the target and the evidence count.
    return _with_row_fields(
        ProjectItem.objects.for_agency(project.agency)
        .filter(project=project)
        .select_related("assignee__user", "catalog_item", "signed_off_by", "project__client")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("added_by")),
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
            Prefetch(
                "activities",
                queryset=Activity.objects.select_related("actor").order_by("-created_at"),
            ),
        )
    )


def my_work(*, member: Membership, include_done: bool = False) -> QuerySet[ProjectItem]:
    """The member's items across the engagements they can see, soonest due first."""
    qs = (
        ProjectItem.objects.for_agency(member.agency)
        .current()
        .filter(assignee=member, project__in=visible_projects(member=member).active())
        .select_related("project__client")
    )
    if not include_done:
        qs = qs.filter(status__in=[ItemStatus.TODO, ItemStatus.IN_PROGRESS])
    return qs.order_by(F("due_date").asc(nulls_last=True), "project__name", "category", "key", "id")


def overdue_items(
    *, member: Membership, today: date | None = None, limit: int = 10
) -> QuerySet[ProjectItem]:
    """The first `limit` overdue open items of active engagements the member can see."""
    today = today or timezone.localdate()
    qs = (
        ProjectItem.objects.for_agency(member.agency)
        .open()
        .filter(
            visible_project_filter(member), due_date__lt=today, project__archived_at__isnull=True
        )
    )
    return first_page(
        qs, limit=limit, order=("due_date", "id"), related=("project", "assignee__user")
    )


def project_readiness(*, project: Project) -> readiness.Readiness:
    """Readiness computed from the engagement's current items (readiness_refresh stores it)."""
    facts = ProjectItem.objects.for_agency(project.agency).current().filter(project=project)
    return readiness.compute(
        readiness.ItemFacts(*row)
        for row in facts.values_list("category", "severity", "level", "status", "pk", "title")
    )


def readiness_history(
    *, project: Project, since: date | None = None, until: date | None = None
) -> QuerySet[ReadinessSnapshot]:
    qs = ReadinessSnapshot.objects.for_agency(project.agency).filter(project=project)
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    return qs.order_by("day")


def category_counts(*, project: Project) -> dict[str, dict[str, int]]:
    """Open and total items per category, for the checklist's group headers."""
    rows = (
        ProjectItem.objects.for_agency(project.agency)
        .current()
        .filter(project=project)
        .values("category")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=[ItemStatus.TODO, ItemStatus.IN_PROGRESS])),
        )
        .order_by()
    )
    return {row["category"]: {"total": row["total"], "open": row["open"]} for row in rows}


def agency_catalog(*, agency: Agency, own_only: bool = False) -> QuerySet[CatalogItem]:
    qs = (
        CatalogItem.objects.for_agency(agency)
        if own_only
        else CatalogItem.objects.available_to(agency)
    )
    return qs.order_by("category", "key")


def next_items_for_client(*, member: Membership, limit: int = 8) -> list[ProjectItem]:
    """What comes next on the client's engagements: open items, most severe first."""
    return list(
        ProjectItem.objects.for_agency(member.agency)
        .open()
        .filter(project__in=visible_projects(member=member).active())
        .select_related("project")
        .order_by(
            Case(*[When(severity=s, then=Value(i)) for s, i in SEVERITY_ORDER.items()]),
            "due_date",
            "project__name",
            "key",
        )[:limit]
    )


def awaiting_sign_off(*, member: Membership) -> QuerySet[ProjectItem]:
    """Finished items on the client's engagements that nobody has signed off yet."""
    return (
        ProjectItem.objects.for_agency(member.agency)
        .current()
        .filter(
            status=ItemStatus.DONE,
            signed_off_at__isnull=True,
            project__in=visible_projects(member=member).active(),
        )
        .select_related("project")
        .order_by("-completed_at", "id")
    )


def shared_catalog(*, search: str | None = None) -> QuerySet[CatalogItem]:
    """The shared catalog (the same for every agency), for browsing."""
    qs = CatalogItem.objects.filter(agency__isnull=True, retired_at__isnull=True)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(key__icontains=search))
    return qs.order_by("category", "key")
