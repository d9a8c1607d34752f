"""Links in emails in development without SITE_URL (issue 13): built from the address the
server answered on, not the default port; production's SITE_URL always wins."""

import re

import pytest
from django.core import mail
from django.test import Client

from apps.agencies import services
from apps.core import site

pytestmark = pytest.mark.django_db


@pytest.fixture
def development(settings):
    settings.DEBUG = True
    settings.SITE_URL_FROM_ENV = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    site._seen.clear()
    yield
    site._seen.clear()


def test_without_site_url_an_email_link_uses_the_port_the_server_answered_on(
    development, owner, committing
):
    Client().get("/healthz", HTTP_HOST="localhost:8001")
    assert site.site_url() == "http://localhost:8001"
    _, raw = committing(
        services.invitation_create, actor=owner, email="x@example.test", role="engineer"
    )
    assert re.search(rf"http://localhost:8001/invitations/{raw}/", mail.outbox[-1].body)


def test_a_forged_host_is_not_remembered(development):
    Client().get("/healthz", HTTP_HOST="evil.test:80")
    assert site.site_url() == "http://127.0.0.1:8000"


def test_a_configured_site_url_always_wins(development, settings):
    settings.SITE_URL_FROM_ENV = True
    settings.SITE_URL = "https://launchpad.agency.test"
    Client().get("/healthz", HTTP_HOST="localhost:8001")
    assert site.site_url() == "https://launchpad.agency.test"


def test_outside_development_the_setting_is_used(development, settings):
    settings.DEBUG = False
    Client().get("/healthz", HTTP_HOST="localhost:8001")
    assert site.site_url() == "http://127.0.0.1:8000"
