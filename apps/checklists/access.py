"""Fetch one checklist item of an engagement the member can see: 404 otherwise."""

from __future__ import annotations

from apps.checklists.models import CatalogItem, ProjectItem
from apps.checklists.selectors import item_detail_queryset, item_list
from apps.core.access import get_for_agency_or_404
from apps.projects.models import Project


def get_item(*, project: Project, item_id) -> ProjectItem:
    """`project` must already have come through projects.access.get_project."""
    return get_for_agency_or_404(
        item_detail_queryset(project=project), agency=project.agency, pk=item_id
    )


def get_item_row(*, project: Project, item_id) -> ProjectItem:
    """The item as its checklist row shows it, without the evidence, comments and history
    get_item prefetches: the same door, for the inline status change that redraws one row."""
    return get_for_agency_or_404(
        item_list(project=project, include_retired=True), agency=project.agency, pk=item_id
    )


def get_own_catalog_item(*, agency, catalog_item_id) -> CatalogItem:
    return get_for_agency_or_404(CatalogItem.objects.all(), agency=agency, pk=catalog_item_id)
