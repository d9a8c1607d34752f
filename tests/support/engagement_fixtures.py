"""Engagement fixtures (a pytest plugin, see tests/conftest.py): a client, a project built
through the services, its assigned engineer, and client contacts of this client and of
another one."""

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
    return make_member(agency, Role.CLIENT, client=acme)


@pytest.fixture
def other_contact(agency, make_member):
    """A client contact of another client of the same agency."""
    return make_member(agency, Role.CLIENT, client=ClientFactory(agency=agency, name="Globex"))


@pytest.fixture
def portal(make_project):
    return make_project(name="Acme portal")


@pytest.fixture
def assigned(engineer, owner, portal):
    """The engineer, assigned to the portal engagement."""
    services.project_assign(actor=owner, project=portal, member=engineer)
    return engineer
