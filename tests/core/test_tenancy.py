"""The tenant context and the tenant-owned base: the pattern every app copies."""

import dataclasses

import pytest
from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from apps.agencies.models import ApiToken, Membership
from apps.core.forms import AgencyForm, AgencySerializer
from apps.core.tenancy import (
    TenantScopeError,
    activate_agency,
    current_agency,
    tenant_context,
)
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_reading_another_agencys_rows_inside_a_tenant_context_fails_loudly():
    mine, theirs = AgencyFactory(), AgencyFactory()
    with tenant_context(mine):
        assert current_agency() == mine
        Membership.objects.for_agency(mine).count()
        with pytest.raises(TenantScopeError):
            Membership.objects.for_agency(theirs)
    assert current_agency() is None


def test_activate_needs_an_open_scope_and_refuses_to_switch():
    first, second = AgencyFactory(), AgencyFactory()
    with pytest.raises(TenantScopeError):
        activate_agency(first)
    with tenant_context(None):
        activate_agency(first)
        activate_agency(first)  # the same agency again is fine
        with pytest.raises(TenantScopeError):
            activate_agency(second)
        assert current_agency() == first
    assert current_agency() is None


def test_a_foreign_key_to_another_agencys_row_fails_validation():
    membership = MembershipFactory()
    foreign = ApiToken(agency=AgencyFactory(), membership=membership, name="x", expires_at=None)
    with pytest.raises(ValidationError) as excinfo:
        foreign.clean()
    assert "membership" in excinfo.value.message_dict
    assert "Choose one from this agency." in excinfo.value.message_dict["membership"]


class _PickMember(AgencyForm):
    member = forms.ModelChoiceField(queryset=Membership.objects.all())


class _PickMemberSerializer(AgencySerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Membership.objects.all())
    members = serializers.PrimaryKeyRelatedField(queryset=Membership.objects.all(), many=True)


def test_agency_form_refuses_another_agencys_id():
    mine, theirs = MembershipFactory(), MembershipFactory()
    assert _PickMember({"member": str(mine.pk)}, agency=mine.agency).is_valid()
    form = _PickMember({"member": str(theirs.pk)}, agency=mine.agency)
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["member"][0]


def test_agency_serializer_refuses_another_agencys_id_single_and_many():
    mine, theirs = MembershipFactory(), MembershipFactory()
    context = {"agency": mine.agency}
    ok = _PickMemberSerializer(
        data={"member": str(mine.pk), "members": [str(mine.pk)]}, context=context
    )
    assert ok.is_valid(), ok.errors
    bad = _PickMemberSerializer(
        data={"member": str(theirs.pk), "members": [str(mine.pk), str(theirs.pk)]},
        context=context,
    )
    assert not bad.is_valid()
    assert set(bad.errors) == {"member", "members"}


def test_agency_serializer_without_an_agency_fails_closed():
    mine = MembershipFactory()
    serializer = _PickMemberSerializer(data={"member": str(mine.pk), "members": []})
    assert not serializer.is_valid()
    assert "member" in serializer.errors


def test_tasks_run_inside_the_agencys_context(owner, agency, committing, monkeypatch):
    from apps.agencies import services
    from apps.notifications import invitations, kinds

    seen = []
    original = invitations.invitation_email

    def spy(row):
        seen.append(current_agency())
        return original(row)

    kind = kinds.get(invitations.INVITATION)
    monkeypatch.setitem(kinds._kinds, kind.key, dataclasses.replace(kind, email=spy))
    committing(services.invitation_create, actor=owner, email="x@example.test", role="engineer")
    assert seen == [agency]


# Every way code reaches across agencies, by module and reason (docs/security.md, "Row-level
# security"): a new one is a reviewed change to this list, not a line hidden in a view.
CROSS_AGENCY_PATHS = {
    ("apps.accounts.admin_site", "operators admin"),
    ("apps.agencies.authentication", "token authentication"),
    ("apps.agencies.services", "invitation link"),
    ("apps.bookings.access", "booking manage link"),
    ("apps.bookings.tasks", "expired booking holds"),
    ("apps.core.management.commands.rotate_keys", "key rotation"),
    ("apps.core.outbox", "task outbox"),
    ("apps.notifications.digest", "digest planning"),
    ("apps.notifications.dispatch", "outbox dispatch"),
    ("apps.ops.selectors", "metrics"),
    ("apps.privacy.services", "account deletion"),
    ("apps.privacy.services", "personal data export"),
    ("apps.privacy.services", "retention"),
    ("apps.scans.services", "repository push webhook"),
    ("apps.scans.tasks", "scan sweeper"),
    ("apps.scans.tasks", "scheduled rescans"),
}


def _cross_agency_calls() -> set[tuple[str, str]]:
    import ast
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = set()
    for path in sorted((root / "apps").rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "cross_agency"
            ):
                continue
            (reason,) = node.args
            if isinstance(reason, ast.Name):  # a module constant
                value = getattr(importlib.import_module(module), reason.id)
            else:
                value = ast.literal_eval(reason)
            found.add((module, value))
    return found


def test_every_cross_agency_path_is_one_of_the_named_ones():
    assert _cross_agency_calls() == CROSS_AGENCY_PATHS
