"""Pinned query counts: each list page and endpoint costs the same number of SQL queries with
1 row as with 50. A change that adds an N+1 or a new query makes these fail."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.agencies import services
from apps.agencies.roles import Role
from apps.audit.models import Verb
from apps.audit.services import audit_record
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _fill(agency, owner, rows: int) -> None:
    """rows members, invitations, tokens (the owner's) and audit events in the agency."""
    for i in range(rows):
        member = MembershipFactory(agency=agency, role=Role.ENGINEER if i % 2 else Role.CLIENT)
        InvitationFactory(agency=agency, invited_by=owner.user)
        services.api_token_create(actor=owner, name=f"t{i}", expires_in_days=7)
        audit_record(verb=Verb.MEMBER_JOINED, actor=member.user, agency=agency, target=member)


PAGES = {
    # name: (url builder, expected queries), as the owner sees it
    "dashboard": (lambda a: reverse("dashboard", args=[a.slug]), 8),
    "members": (lambda a: reverse("members", args=[a.slug]), 5),
    "invitations": (lambda a: reverse("invitations", args=[a.slug]) + "?status=all", 5),
    "api_tokens": (lambda a: reverse("api_tokens", args=[a.slug]), 5),
    "audit_log": (lambda a: reverse("audit_log", args=[a.slug]), 6),
    "api_members": (lambda a: reverse("api_members", args=[a.slug]), 4),
    "api_invitations": (lambda a: reverse("api_invitations", args=[a.slug]), 4),
}


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", list(PAGES))
def test_query_count_is_pinned_and_independent_of_list_size(
    name, agency, owner, login, django_assert_num_queries
):
    build, expected = PAGES[name]
    client = login(owner)
    url = build(agency)
    _fill(agency, owner, 1)
    client.get(url)  # warm the session and content-type caches
    with django_assert_num_queries(expected):
        client.get(url)
    _fill(agency, owner, 49)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
