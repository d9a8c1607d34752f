"""Fetch-by-id for clients and contacts: 404 for missing and foreign alike."""

from apps.clients.models import Client, ClientContact
from apps.core.access import get_for_agency_or_404


def get_client(*, agency, client_id) -> Client:
    return get_for_agency_or_404(Client.objects.all(), agency=agency, pk=client_id)


def get_contact(*, client: Client, contact_id) -> ClientContact:
    return get_for_agency_or_404(
        ClientContact.objects.filter(client=client), agency=client.agency, pk=contact_id
    )
