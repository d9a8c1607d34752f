"""Agency slugs share the first path segment with the site's own pages: none may collide."""

import pytest
from django.core.exceptions import ValidationError

from apps.agencies.validators import RESERVED_SLUGS, validate_agency_slug
from tests.support.routes import all_routes


def test_every_literal_first_path_segment_is_reserved():
    segments = set()
    for route in all_routes():
        first = route.route.lstrip("^").split("/", 1)[0]
        if first and "<" not in first and "(" not in first:
            segments.add(first.rstrip("$"))
    assert segments, "the URL walker found no routes"
    unreserved = segments - RESERVED_SLUGS
    assert not unreserved, f"add these to RESERVED_SLUGS: {sorted(unreserved)}"


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_reserved_words_are_refused(slug):
    with pytest.raises(ValidationError, match=r"reserved|lowercase"):
        validate_agency_slug(slug)


@pytest.mark.parametrize("slug", ["northwind", "a1b", "bright-labs-2", "x" * 50])
def test_ordinary_slugs_are_accepted(slug):
    validate_agency_slug(slug)
