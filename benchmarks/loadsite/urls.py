"""The product's routes plus the baseline the DESIGN.md target is measured against: the
smallest DRF list on the checklist items table (no authentication, no permission check, no
throttle, no join), cursor-paginated like ours, 50 rows a page. It lives here, not in the
product, because it skips every wall the product must have."""

from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination

from apps.checklists.models import ProjectItem


class BaselineItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectItem
        fields = ["id", "key", "category", "title", "severity", "status", "due_date"]


class BaselinePagination(CursorPagination):
    ordering = ("category", "key", "id")
    page_size = 50


class BaselineItemList(generics.ListAPIView):
    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    filter_backends = []
    serializer_class = BaselineItemSerializer
    pagination_class = BaselinePagination

    def get_queryset(self):
        return ProjectItem.objects.filter(
            project_id=self.kwargs["project_id"], retired_at__isnull=True
        )


urlpatterns = [
    path("bench/baseline/<uuid:project_id>/items/", BaselineItemList.as_view()),
    path("", include("config.urls")),
]
