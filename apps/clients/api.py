"""API views for an agency's clients: list, create, read and change. Admins only."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies.mixins import AgencyAPIMixin
from apps.agencies.roles import Capability
from apps.clients import selectors, services
from apps.clients.access import get_client
from apps.clients.serializers import (
    ClientFilterSerializer,
    ClientListSerializer,
    ClientSerializer,
    ClientWriteSerializer,
)
from apps.core.api import CreatedCursorPagination, QueryFiltersMixin

C = Capability


class ClientCursorPagination(CreatedCursorPagination):
    # Alphabetical, as people look clients up; the id breaks ties between equal names.
    ordering = ("name", "id")


@extend_schema(tags=["clients"])
class ClientListAPI(AgencyAPIMixin, QueryFiltersMixin, generics.ListAPIView):
    """The agency's clients by name. Engineers and client contacts are refused (403)."""

    required_capability = {"GET": C.VIEW_ALL_ENGAGEMENTS, "POST": C.MANAGE_ENGAGEMENTS}
    serializer_class = ClientListSerializer
    pagination_class = ClientCursorPagination
    filter_backends = []
    filter_serializer_class = ClientFilterSerializer

    def get_queryset(self):
        return selectors.client_list(agency=self.agency, **self.query_filters())

    @extend_schema(
        request=ClientWriteSerializer,
        responses={201: ClientSerializer},
        examples=[
            OpenApiExample(
                "A new client",
                value={
                    "name": "Acme Robotics",
                    "website": "https://acme.example.com",
                    "billing_email": "billing@acme.example.com",
                    "status": "prospect",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, agency_slug):
        serializer = ClientWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        client = services.client_create(actor=self.membership, **serializer.validated_data)
        return Response(ClientSerializer(client).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["clients"])
class ClientDetailAPI(AgencyAPIMixin, APIView):
    required_capability = {"GET": C.VIEW_ALL_ENGAGEMENTS, "PATCH": C.MANAGE_ENGAGEMENTS}

    @extend_schema(responses=ClientSerializer)
    def get(self, request, agency_slug, client_id):
        client = get_client(agency=self.agency, client_id=client_id)
        return Response(ClientSerializer(client).data)

    @extend_schema(
        request=ClientWriteSerializer,
        responses=ClientSerializer,
        description="Change any of the fields; `status: archived` archives the client.",
        examples=[
            OpenApiExample("The prospect signed", value={"status": "active"}, request_only=True),
            OpenApiExample("Archive the client", value={"status": "archived"}, request_only=True),
        ],
    )
    def patch(self, request, agency_slug, client_id):
        client = get_client(agency=self.agency, client_id=client_id)
        serializer = ClientWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        client = services.client_update(
            actor=self.membership, client=client, **serializer.validated_data
        )
        return Response(ClientSerializer(client).data)
