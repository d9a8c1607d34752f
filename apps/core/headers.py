"""Headers on every answer that Django's SecurityMiddleware and django-csp do not set:
Permissions-Policy, Cross-Origin-Resource-Policy, and `Cache-Control: no-store` on every
answer that holds one person's data or a token tied to their cookie."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import has_vary_header

# Powerful browser features no Launchpad page uses, refused for the page and anything it
# embeds. Only features browsers know (an unknown name is logged as an error in the console);
# WebAuthn (publickey-credentials-*) keeps its default, for allauth's security keys.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "bluetooth",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)
API_PREFIX = "/api/"


def must_not_be_stored(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether no cache, shared or the browser's, may keep this answer.

    - every API answer: it is one member's data, or an error about their token;
    - every answer to a signed-in person;
    - every answer that read the session or the CSRF token (Django then adds `Vary: Cookie`)
      or sets a cookie: every HTML page holds a CSRF token tied to the visitor's cookie (htmx
      sends it from <body>), so a sign-in or public booking page kept by a cache would hand
      one visitor's token, or the personal data shown after a booking, to the next.

    What stays cacheable: static files (WhiteNoise's long max-age), the health probes, and
    answers a view marks `same_for_everyone` (that set no cookie).
    """
    if request.path.startswith(API_PREFIX):
        return True
    if response.cookies:
        return True
    if getattr(response, "same_for_everyone", False):
        # A view's promise that the answer holds nothing of the visitor (an agency's public
        # logo): the session it may have touched on the way does not make it personal.
        return False
    if has_vary_header(response, "Cookie"):
        return True
    # WhiteNoise answers static files before authentication runs: no `user` then.
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """Sits outside every other middleware but the request id, so error pages, CSRF
    refusals, redirects and static files get the headers too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # setdefault: a view that needs a feature (none does today) may say so itself.
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if must_not_be_stored(request, response):
            # Replaced, not patched: "public, max-age=..." beside "no-store" would contradict.
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
