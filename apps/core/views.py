"""Site-wide error pages: HTML for people, the API's error format under /api/."""

from http import HTTPStatus

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from apps.core.api import error_body

_MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "Not found."),
    500: ("server_error", "Something went wrong on our side. It has been logged."),
}


def _error(request, status: int, template: str):
    if request.path.startswith("/api/"):
        code, message = _MESSAGES[status]
        return JsonResponse(
            error_body(code=code, message=message, status_code=status), status=status
        )
    return render(request, template, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "errors/400.html")


def permission_denied(request, exception=None):
    return _error(request, 403, "errors/403.html")


def page_not_found(request, exception=None):
    return _error(request, 404, "errors/404.html")


def server_error(request):
    # No context processors: the database may be the thing that failed.
    if request.path.startswith("/api/"):
        return _error(request, 500, "")
    return HttpResponseServerError(loader.get_template("errors/500.html").render({}))


def application_error(request, exc):
    if exc.status == HTTPStatus.FORBIDDEN:
        return permission_denied(request, exc)
    if exc.status == HTTPStatus.NOT_FOUND:
        return page_not_found(request, exc)
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(code=exc.code, message=exc.message, status_code=exc.status),
            status=exc.status,
        )
    return render(request, "errors/400.html", {"message": exc.message}, status=exc.status)
