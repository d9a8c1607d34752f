"""OpenAPI description of the bearer-token authentication (picked up by drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.agencies.authentication.BearerTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):  # noqa: ARG002 - drf-spectacular's signature
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (lp_...) created under the agency's "
            "settings. It acts as its member, in that agency only.",
        }
