"""Request-wide middleware: request id and client IP for logs and audit, and the tenant scope."""

import re
import uuid
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from apps.core.context import client_ip_var, request_id_var
from apps.core.errors import ApplicationError
from apps.core.site import remember_origin
from apps.core.tenancy import acting_user, tenant_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request) -> str | None:
    """The client's address, trusting exactly NUM_PROXIES X-Forwarded-For hops and no more."""
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Tags each request with an id (the proxy's, when it sent a sane one) and its client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        remember_origin(request)
        id_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(id_token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


class TenantScopeMiddleware:
    """Opens the request's tenant scope; agency-scoped views fill it after checking membership.

    The scope spans rendering too, since templates and serializers read tenant data lazily.
    The signed-in person is named to the database as well, so that row-level security lets
    them read their own memberships before an agency is chosen.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        user_pk = user.pk if user is not None and user.is_authenticated else None
        with tenant_context(None), acting_user(user_pk):
            return self.get_response(request)


class ApplicationErrorMiddleware:
    """A service's ApplicationError that no view handled becomes the matching error page
    (403, 404, or 400 with its message) instead of a 500: one error model for every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # The error pages render templates, which need the app registry: not at import.
        from apps.core.views import application_error  # noqa: PLC0415

        if isinstance(exception, ApplicationError):
            return application_error(request, exception)
        return None


class HtmxSignInRedirectMiddleware:
    """An htmx request whose session has ended (signed out in another tab, expired while the
    page stayed open) is sent to the sign-in page as a whole page. Answered with the usual
    redirect, htmx would follow it and swap the sign-in page into the fragment it asked for:
    the bell, polled every minute, put the whole sign-in page into the top bar."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code not in (301, 302, 303):
            return response
        location = response.get("Location", "")
        if location.split("?", 1)[0] != resolve_url(settings.LOGIN_URL):
            return response
        # The page the person was on, not the fragment's address, is where signing in returns.
        current = request.headers.get("HX-Current-URL", "")
        parts = urlsplit(current)
        if current and parts.netloc == request.get_host():
            back = parts.path + (f"?{parts.query}" if parts.query else "")
            location = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}"
        return HttpResponseClientRedirect(location)
