"""The OpenAPI schema class (DEFAULT_SCHEMA_CLASS). A module of its own: drf-spectacular's
AutoSchema imports DRF's generic views, which read the pagination class in apps.core.api."""

from drf_spectacular.openapi import AutoSchema


class FilterAwareSchema(AutoSchema):
    """drf-spectacular's schema, plus a list view's `filter_serializer_class` as the GET
    query parameters."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        filters = getattr(self.view, "filter_serializer_class", None)
        if filters is not None and self.method == "GET":
            return [*parameters, filters]
        return parameters
