"""API views for an engagement's checklist: items (list, read, change), readiness now and
its daily history. Every view first loads the engagement through projects.access, so what a
member cannot see is 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies.mixins import AgencyAPIMixin
from apps.agencies.models import Membership
from apps.checklists import selectors, services
from apps.checklists.access import get_item
from apps.checklists.serializers import (
    ProjectItemDetailSerializer,
    ProjectItemFilterSerializer,
    ProjectItemSerializer,
    ProjectItemUpdateSerializer,
    ReadinessHistoryFilterSerializer,
    ReadinessSerializer,
    ReadinessSnapshotSerializer,
)
from apps.core.api import CreatedCursorPagination, QueryFiltersMixin
from apps.projects.access import get_project_scope
from apps.projects.models import Project
from apps.projects.serializers import tier_reasoning


class ItemCursorPagination(CreatedCursorPagination):
    # The checklist's reading order: grouped by category, then the item's stable key.
    ordering = ("category", "key", "id")


class DayCursorPagination(CreatedCursorPagination):
    ordering = ("day", "id")


class ProjectScopedMixin:
    """Every checklist endpoint hangs off one engagement the member can see."""

    membership: Membership  # set by the agency mixin it is used with
    kwargs: dict[str, Any]  # the URL's, set by the view

    def project(self) -> Project:
        return get_project_scope(member=self.membership, project_id=self.kwargs["project_id"])


@extend_schema(tags=["checklist items"])
class ItemListAPI(AgencyAPIMixin, ProjectScopedMixin, QueryFiltersMixin, generics.ListAPIView):
    """The engagement's current checklist items, by category and key."""

    # Anyone who can see the engagement may read its checklist (get_project decides).
    required_capability = None
    serializer_class = ProjectItemSerializer
    pagination_class = ItemCursorPagination
    filter_backends = []
    filter_serializer_class = ProjectItemFilterSerializer

    def get_queryset(self):
        return selectors.item_list(project=self.project(), **self.query_filters())


@extend_schema(tags=["checklist items"])
class ItemDetailAPI(AgencyAPIMixin, ProjectScopedMixin, APIView):
    # Reading follows the engagement's visibility; changing is for the assigned engineers and
    # admins, which checklists.services.item_update decides (client contacts get 403 there).
    required_capability = None

    @extend_schema(responses=ProjectItemDetailSerializer)
    def get(self, request, agency_slug, project_id, item_id):
        item = get_item(project=self.project(), item_id=item_id)
        return Response(ProjectItemDetailSerializer(item).data)

    @extend_schema(
        request=ProjectItemUpdateSerializer,
        responses=ProjectItemDetailSerializer,
        description="Change the status, the reason it does not apply, the assignee or the due "
        "date. Fields left out stay as they are; each change goes to the engagement's feed.",
        examples=[
            OpenApiExample("Done", value={"status": "done"}, request_only=True),
            OpenApiExample(
                "Does not apply",
                value={
                    "status": "not_applicable",
                    "not_applicable_reason": "The product takes no payments.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Assign with a due date",
                value={
                    "assignee": "5d0e9a7c-3b1f-4a51-8e0a-96c2f1d4b7e3",
                    "due_date": "2026-02-15",
                },
                request_only=True,
            ),
        ],
    )
    def patch(self, request, agency_slug, project_id, item_id):
        project = self.project()
        item = get_item(project=project, item_id=item_id)
        serializer = ProjectItemUpdateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.item_update(actor=self.membership, item=item, **serializer.validated_data)
        # Re-read through the door: the answer carries the evidence and comments as stored.
        return Response(
            ProjectItemDetailSerializer(get_item(project=project, item_id=item_id)).data
        )


@extend_schema(tags=["readiness"])
class ReadinessAPI(AgencyAPIMixin, ProjectScopedMixin, APIView):
    required_capability = None

    @extend_schema(
        responses=ReadinessSerializer,
        description="Severity-weighted completion overall and per category, with the level "
        "reached (bronze, silver, gold) and the architecture tier in force.",
    )
    def get(self, request, agency_slug, project_id):
        project = self.project()
        result = selectors.project_readiness(project=project)
        data = {
            "overall": result.overall,
            "categories": dict(sorted(result.categories.items())),
            "tier": project.tier,
            "tier_reasoning": tier_reasoning(project),
        }
        return Response(ReadinessSerializer(data).data)


@extend_schema(tags=["readiness"])
class ReadinessHistoryAPI(
    AgencyAPIMixin, ProjectScopedMixin, QueryFiltersMixin, generics.ListAPIView
):
    """One point per day (the day's last value), oldest first."""

    required_capability = None
    serializer_class = ReadinessSnapshotSerializer
    pagination_class = DayCursorPagination
    filter_backends = []
    filter_serializer_class = ReadinessHistoryFilterSerializer

    def get_queryset(self):
        return selectors.readiness_history(project=self.project(), **self.query_filters())
