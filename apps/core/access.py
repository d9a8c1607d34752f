"""The one door for fetching a tenant-owned object by id: missing and foreign look the same;
and its check for services handed rows by their caller."""

from __future__ import annotations

from typing import TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from apps.core.errors import ApplicationError
from apps.core.models import TenantQuerySet

M = TypeVar("M", bound=Model)


def get_for_agency_or_404(queryset: QuerySet[M], *, agency: Model, **lookup) -> M:
    """Fetch one row of `agency`, or raise Http404 whether it is missing, foreign or malformed."""
    try:
        return _for_agency(queryset, agency).get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def lock_own(queryset: QuerySet[M], *, agency: Model, pk) -> M:
    """A service's re-read of a row its caller fetched: under a row lock, inside `agency`.
    Another agency's row is refused as missing, like ensure_own()."""
    row = _for_agency(queryset, agency).select_for_update(of=("self",)).filter(pk=pk).first()
    if row is None:
        raise _not_found()
    return row


def ensure_own(agency: Model, *rows) -> None:
    """Services are the last wall: every tenant-owned row a caller hands one must be
    `agency`'s. Another agency's row is refused as missing, as the door above refuses it
    (foreign keys are not filtered by the tenant scope, so nothing else would stop the write)."""
    for row in rows:
        if row.agency_id != agency.pk:
            raise _not_found()


def _for_agency(queryset: QuerySet[M], agency: Model) -> QuerySet[M]:
    # Every tenant-owned row's queryset is a TenantQuerySet; a chained queryset's static
    # type (select_related, a custom manager) does not always say so.
    return cast(TenantQuerySet, queryset).for_agency(agency)


def _not_found() -> ApplicationError:
    return ApplicationError("Not found.", code="not_found", status=404)
