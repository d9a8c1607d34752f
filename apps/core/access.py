"""The one door for fetching a tenant-owned object by id: missing and foreign look the same."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

if TYPE_CHECKING:
    from apps.agencies.models import Agency

M = TypeVar("M", bound=Model)


def get_for_agency_or_404(queryset: QuerySet[M], *, agency: Agency, **lookup) -> M:
    """Fetch one row of `agency`, or raise Http404 whether it is missing, foreign or malformed."""
    try:
        return queryset.for_agency(agency).get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
