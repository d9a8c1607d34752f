"""Agency slug rules: URL-safe, and never a word the site's own first path segments use."""

import re

from django.core.exceptions import ValidationError

# Every first path segment the site serves, plus words kept for later or easily confused.
# tests/agencies/test_slugs.py checks that each literal first segment of the URLconf is here.
RESERVED_SLUGS = frozenset(
    {
        "about", "account", "accounts", "admin", "api", "app", "assets", "auth", "billing",
        "blog", "book", "booking", "bookings", "dashboard", "docs", "favicon.ico", "healthz",
        "help", "hooks", "invitations", "invite", "login", "logout", "manage", "me", "media",
        "metrics", "notifications",
        "onboarding", "portal", "pricing", "privacy", "readyz", "robots.txt", "security",
        "settings", "signup", "static", "status", "support", "terms", "www",
    }
)  # fmt: skip

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$")


def validate_agency_slug(value: str) -> None:
    if not SLUG_PATTERN.match(value or ""):
        raise ValidationError(
            "Use 3 to 50 lowercase letters, digits and hyphens, starting and ending with a "
            "letter or digit.",
            code="invalid_slug",
        )
    if "--" in value:
        raise ValidationError("Use single hyphens between words.", code="invalid_slug")
    if value in RESERVED_SLUGS:
        raise ValidationError(
            "“%(value)s” is reserved by Launchpad; choose another address.",
            code="reserved_slug",
            params={"value": value},
        )
