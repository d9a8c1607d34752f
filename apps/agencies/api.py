"""API views: the signed-in user, and an agency's members and invitations."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies import selectors, services
from apps.agencies.access import get_invitation, get_membership
from apps.agencies.mixins import AgencyAPIMixin
from apps.agencies.models import ApiToken
from apps.agencies.roles import Capability
from apps.agencies.serializers import (
    InvitationCreateSerializer,
    InvitationFilterSerializer,
    InvitationSerializer,
    MemberFilterSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    MeSerializer,
)
from apps.core.api import OldestFirstCursorPagination, QueryFiltersMixin

C = Capability


class MeAPI(APIView):
    """The signed-in user. With a token, only the token's agency is listed."""

    @extend_schema(responses=MeSerializer, operation_id="me_retrieve", tags=["me"])
    def get(self, request):
        memberships = selectors.memberships_for_user(user=request.user)
        if isinstance(request.auth, ApiToken):
            memberships = memberships.filter(pk=request.auth.membership_id)
        user = request.user
        data = {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "time_zone": user.time_zone,
            "memberships": memberships,
        }
        return Response(MeSerializer(data).data)


@extend_schema(tags=["members"])
class MemberListAPI(AgencyAPIMixin, QueryFiltersMixin, generics.ListAPIView):
    """The agency's members, oldest first. Staff only; client contacts are refused."""

    required_capability = C.USE_STAFF_APP
    serializer_class = MembershipSerializer
    pagination_class = OldestFirstCursorPagination
    filter_backends = []
    filter_serializer_class = MemberFilterSerializer

    def get_queryset(self):
        filters = self.query_filters()
        return selectors.membership_list(
            agency=self.agency, role=filters.get("role"), search=filters.get("search")
        )


@extend_schema(tags=["members"])
class MemberDetailAPI(AgencyAPIMixin, APIView):
    required_capability = {
        "GET": C.USE_STAFF_APP,
        "PATCH": C.MANAGE_AGENCY,
        "DELETE": C.MANAGE_AGENCY,
    }

    @extend_schema(responses=MembershipSerializer)
    def get(self, request, agency_slug, member_id):
        member = get_membership(agency=self.agency, membership_id=member_id)
        return Response(MembershipSerializer(member).data)

    @extend_schema(
        request=MembershipUpdateSerializer,
        responses=MembershipSerializer,
        examples=[OpenApiExample("Make an engineer an admin", value={"role": "admin"})],
    )
    def patch(self, request, agency_slug, member_id):
        member = get_membership(agency=self.agency, membership_id=member_id)
        serializer = MembershipUpdateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        member = services.membership_change_role(
            actor=self.membership, membership=member, role=serializer.validated_data["role"]
        )
        return Response(MembershipSerializer(member).data)

    @extend_schema(responses={204: None})
    def delete(self, request, agency_slug, member_id):
        member = get_membership(agency=self.agency, membership_id=member_id)
        services.membership_remove(actor=self.membership, membership=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["invitations"])
class InvitationListAPI(AgencyAPIMixin, QueryFiltersMixin, generics.ListAPIView):
    required_capability = C.MANAGE_AGENCY
    serializer_class = InvitationSerializer
    filter_backends = []
    filter_serializer_class = InvitationFilterSerializer

    def get_queryset(self):
        status_filter = self.query_filters().get("status")
        return selectors.invitation_list(agency=self.agency, status=status_filter)

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer},
        examples=[
            OpenApiExample(
                "Invite an engineer", value={"email": "sam@example.com", "role": "engineer"}
            )
        ],
    )
    def post(self, request, agency_slug):
        serializer = InvitationCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        invitation, _raw = services.invitation_create(
            actor=self.membership, **serializer.validated_data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["invitations"])
class InvitationDetailAPI(AgencyAPIMixin, APIView):
    required_capability = C.MANAGE_AGENCY

    @extend_schema(responses=InvitationSerializer)
    def get(self, request, agency_slug, invitation_id):
        invitation = get_invitation(agency=self.agency, invitation_id=invitation_id)
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(responses={200: InvitationSerializer}, description="Withdraw the invitation.")
    def delete(self, request, agency_slug, invitation_id):
        invitation = get_invitation(agency=self.agency, invitation_id=invitation_id)
        invitation = services.invitation_revoke(actor=self.membership, invitation=invitation)
        return Response(InvitationSerializer(invitation).data)


@extend_schema(tags=["invitations"])
class InvitationResendAPI(AgencyAPIMixin, APIView):
    required_capability = C.MANAGE_AGENCY

    @extend_schema(request=None, responses=InvitationSerializer)
    def post(self, request, agency_slug, invitation_id):
        invitation = get_invitation(agency=self.agency, invitation_id=invitation_id)
        invitation, _raw = services.invitation_resend(actor=self.membership, invitation=invitation)
        return Response(InvitationSerializer(invitation).data)
