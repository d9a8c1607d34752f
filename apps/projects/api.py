"""API views for engagements: list and create, read and change the profile, set the tier,
and assign engineers. Who sees which engagement is decided by projects.selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies.mixins import AgencyAPIMixin
from apps.agencies.models import Membership
from apps.agencies.roles import Capability
from apps.core.api import CreatedCursorPagination, OldestFirstCursorPagination, QueryFiltersMixin
from apps.projects import selectors, services
from apps.projects.access import get_assignment, get_project, get_project_scope
from apps.projects.models import Project
from apps.projects.serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    ProjectFilterSerializer,
    ProjectListSerializer,
    ProjectSerializer,
    ProjectTierSerializer,
    ProjectWriteSerializer,
)

C = Capability
# Reading needs no capability of its own: every member may ask, and the selector answers
# with what they may see (admins all, engineers their assignments, contacts their client's).
ANY_MEMBER = None


class ProjectAccessMixin:
    """Load the engagement through its one door: as the scope of a change or of a list, and
    with its environments and assignments only for the answer that shows them."""

    membership: Membership  # set by the agency mixin it is used with

    def project(self, project_id) -> Project:
        return get_project_scope(member=self.membership, project_id=project_id)

    def project_response(self, project_id, status_code: int = status.HTTP_200_OK) -> Response:
        # Re-read after a write so the answer shows what is stored, joins and all.
        project = get_project(member=self.membership, project_id=project_id)
        return Response(ProjectSerializer(project).data, status=status_code)


@extend_schema(tags=["projects"])
class ProjectListAPI(AgencyAPIMixin, ProjectAccessMixin, QueryFiltersMixin, generics.ListAPIView):
    """The engagements the member can see, newest first."""

    required_capability = {"GET": ANY_MEMBER, "POST": C.MANAGE_ENGAGEMENTS}
    serializer_class = ProjectListSerializer
    pagination_class = CreatedCursorPagination
    filter_backends = []
    filter_serializer_class = ProjectFilterSerializer

    def get_queryset(self):
        data = self.query_filters()
        return selectors.project_list(
            member=self.membership,
            stage=data.get("stage"),
            client_id=data.get("client"),
            search=data.get("search"),
            archived=data["archived"],
        )

    @extend_schema(
        request=ProjectWriteSerializer,
        responses={201: ProjectSerializer},
        description="Open an engagement. Its checklist is built from the profile at once.",
        examples=[
            OpenApiExample(
                "A Lovable prototype going to production",
                value={
                    "client": "0b7e4c1a-5d1f-4c39-9d43-2f7f3a8e6b10",
                    "name": "Acme customer portal",
                    "source_platform": "lovable",
                    "repository_url": "https://github.com/acme/portal",
                    "stack": ["React", "Supabase"],
                    "users_at_launch": 2000,
                    "users_in_a_year": 25000,
                    "compliance": ["gdpr"],
                    "stage": "discovery",
                    "target_launch": "2026-03-01",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, agency_slug):
        serializer = ProjectWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        project = services.project_create(actor=self.membership, **serializer.validated_data)
        return self.project_response(project.pk, status.HTTP_201_CREATED)


@extend_schema(tags=["projects"])
class ProjectDetailAPI(AgencyAPIMixin, ProjectAccessMixin, APIView):
    required_capability = {"GET": ANY_MEMBER, "PATCH": C.MANAGE_ENGAGEMENTS}

    @extend_schema(responses=ProjectSerializer)
    def get(self, request, agency_slug, project_id):
        return self.project_response(project_id)

    @extend_schema(
        request=ProjectWriteSerializer,
        responses=ProjectSerializer,
        description="Change the profile. A change of platform, expected users or compliance "
        "frameworks adds and retires checklist items; work done on retired items is kept.",
        examples=[
            OpenApiExample(
                "Into migration, with HIPAA",
                value={"stage": "migration", "compliance": ["hipaa"]},
                request_only=True,
            ),
            OpenApiExample(
                "More users expected", value={"users_in_a_year": 150000}, request_only=True
            ),
        ],
    )
    def patch(self, request, agency_slug, project_id):
        project = self.project(project_id)
        serializer = ProjectWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.project_update(actor=self.membership, project=project, **serializer.validated_data)
        return self.project_response(project.pk)


@extend_schema(tags=["projects"])
class ProjectTierAPI(AgencyAPIMixin, ProjectAccessMixin, APIView):
    required_capability = {"PUT": C.MANAGE_ENGAGEMENTS}

    @extend_schema(
        request=ProjectTierSerializer,
        responses=ProjectSerializer,
        description="Override the recommended architecture tier, with a reason, or clear the "
        'override with `{"tier": ""}`. The checklist follows the tier.',
        examples=[
            OpenApiExample(
                "Size for growth",
                value={"tier": "growth", "reason": "A launch campaign will bring a spike."},
                request_only=True,
            ),
            OpenApiExample("Back to the recommendation", value={"tier": ""}, request_only=True),
        ],
    )
    def put(self, request, agency_slug, project_id):
        project = self.project(project_id)
        serializer = ProjectTierSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.project_set_tier(
            actor=self.membership, project=project, **serializer.validated_data
        )
        return self.project_response(project.pk)


@extend_schema(tags=["projects"])
class AssignmentListAPI(AgencyAPIMixin, ProjectAccessMixin, generics.ListAPIView):
    """Who works on the engagement, in the order they were assigned."""

    required_capability = {"GET": ANY_MEMBER, "POST": C.MANAGE_ENGAGEMENTS}
    serializer_class = AssignmentSerializer
    pagination_class = OldestFirstCursorPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.assignment_list(project=self.project(self.kwargs["project_id"]))

    @extend_schema(
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer},
        description="Put an engineer (or admin) on the engagement: they can then see it and "
        "work on its checklist.",
        examples=[
            OpenApiExample(
                "Assign an engineer",
                value={"member": "5d0e9a7c-3b1f-4a51-8e0a-96c2f1d4b7e3"},
                request_only=True,
            )
        ],
    )
    def post(self, request, agency_slug, project_id):
        project = self.project(project_id)
        serializer = AssignmentCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        assignment = services.project_assign(
            actor=self.membership, project=project, member=serializer.validated_data["member"]
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["projects"])
class AssignmentDetailAPI(AgencyAPIMixin, ProjectAccessMixin, APIView):
    required_capability = {"DELETE": C.MANAGE_ENGAGEMENTS}

    @extend_schema(
        responses={204: None},
        description="Take the engineer off the engagement; their access to it ends.",
    )
    def delete(self, request, agency_slug, project_id, assignment_id):
        assignment = get_assignment(project=self.project(project_id), assignment_id=assignment_id)
        services.project_unassign(actor=self.membership, assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)
