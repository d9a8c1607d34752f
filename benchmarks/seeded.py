"""What the engagement benchmarks measure on the seed_bench data set: one agency, its owner
and its oldest engagement with an assigned engineer. Import after django.setup()."""

from __future__ import annotations

import sys

from django.db import connection

from apps.agencies.models import Agency, Membership
from apps.projects.models import Assignment


def measured(agency_slug: str) -> tuple[Agency, Membership, Assignment]:
    if connection.vendor != "postgresql":
        sys.exit("Run this on the seed_bench data in PostgreSQL (set DATABASE_URL).")
    agency = Agency.objects.get(slug=agency_slug)
    owner = Membership.objects.filter(agency=agency, role="owner").select_related("user").first()
    assignment = (
        Assignment.objects.filter(agency=agency, membership__role="engineer")
        .select_related("project", "membership__user")
        .order_by("project__created_at")
        .first()
    )
    return agency, owner, assignment
