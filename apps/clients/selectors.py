"""Reads for clients: the list (with engagement counts) and a client's contacts."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from apps.agencies.models import Agency
from apps.clients.models import Client, ClientContact


def client_list(
    *, agency: Agency, search: str | None = None, status: str | None = None
) -> QuerySet[Client]:
    qs = Client.objects.for_agency(agency).annotate(
        project_count=Count("projects", filter=Q(projects__archived_at__isnull=True))
    )
    if status == "all":
        pass
    elif status in Client.Status.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.active()
    if search:
        # A subquery rather than a join: joining the contacts multiplied the engagement
        # count by the number of contacts that matched, and needed DISTINCT over every row.
        contact_matches = ClientContact.objects.for_agency(agency).filter(
            client=OuterRef("pk"), email__icontains=search
        )
        qs = qs.filter(Q(name__icontains=search) | Exists(contact_matches))
    return qs.order_by("name", "id")


def contact_list(*, client: Client) -> QuerySet[ClientContact]:
    return ClientContact.objects.for_agency(client.agency).filter(client=client).order_by("name")
