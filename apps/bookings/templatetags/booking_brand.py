"""`{% agency_brand agency as brand %}`: the agency's booking-page look, for the public
layout's blocks (read once per page, however many blocks ask)."""

from __future__ import annotations

from django import template

from apps.agencies.models import Agency, AgencyBrand
from apps.agencies.selectors import agency_brand as brand_of

register = template.Library()

_UNSET = object()


@register.simple_tag
def agency_brand(agency: Agency | None) -> AgencyBrand | None:
    if agency is None:
        return None
    cached = getattr(agency, "_booking_brand", _UNSET)
    if cached is _UNSET:
        cached = brand_of(agency=agency)
        agency._booking_brand = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]
