"""Top-level routes. Agency slugs take the first path segment, so they come last and every
literal segment before them is in agencies.validators.RESERVED_SLUGS."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.agencies import views as agency_views
from apps.core import health
from apps.notifications import urls as notification_urls
from apps.ops import views as ops_views
from apps.privacy import urls as privacy_urls
from apps.scans import urls as scan_urls

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"

agency_patterns = [
    path("", include("apps.workspace.urls")),
    path("", include("apps.agencies.urls")),
    path("", include("apps.clients.urls")),
    path("", include("apps.projects.urls")),
    path("", include("apps.checklists.urls")),
    path("", include("apps.bookings.urls")),
    path("", include("apps.scans.urls")),
    path("", include("apps.privacy.urls")),
    path("", include("apps.notifications.urls")),
]

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/privacy/", include(privacy_urls.account_patterns)),
    path("accounts/notifications/", include(notification_urls.account_patterns)),
    path("accounts/", include("allauth.urls")),
    path("onboarding/", agency_views.OnboardingView.as_view(), name="onboarding"),
    path(
        "invitations/join/<uuid:invitation_id>/",
        agency_views.InvitationJoinView.as_view(),
        name="invitation_join",
    ),
    path(
        "invitations/<str:token>/",
        agency_views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("book/", include("apps.bookings.public.urls")),
    path("privacy/", include(privacy_urls.public_patterns)),
    path("notifications/", include(notification_urls.public_patterns)),
    path("hooks/", include(scan_urls.public_patterns)),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("<slug:agency_slug>/", include(agency_patterns)),
]
