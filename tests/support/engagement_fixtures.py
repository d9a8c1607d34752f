"""Engagement fixtures (a pytest plugin, see tests/conftest.py): a client, a project built
through the services, and a client contact linked to the client."""

import pytest

from apps.agencies.roles import Role
from apps.projects import services
from tests.factories import ClientFactory


@pytest.fixture
def acme(agency):
    return ClientFactory(agency=agency, name="Acme")


@pytest.fixture
def make_project(catalog, owner, acme):
    def make(**fields):
        fields.setdefault("name", "Acme portal")
        fields.setdefault("source_platform", "lovable")
        fields.setdefault("users_at_launch", 2_000)
        fields.setdefault("users_in_a_year", 8_000)
        client = fields.pop("client", acme)
        return services.project_create(actor=owner, client=client, **fields)

    return make


@pytest.fixture
def acme_contact(agency, acme, make_member):
    member = make_member(agency, Role.CLIENT)
    member.client = acme
    member.save()
    return member
