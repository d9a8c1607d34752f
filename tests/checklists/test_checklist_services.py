"""An engagement's checklist: built from the profile, kept through profile changes, and
changed only by those allowed, with every change in the feed."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from apps.agencies.models import Invitation
from apps.agencies.roles import Role
from apps.checklists import selectors, services
from apps.checklists.models import CatalogItem, ItemStatus, ProjectItem, ReadinessSnapshot
from apps.core.errors import ApplicationError
from apps.projects import services as project_services
from apps.projects.models import Activity, Project

pytestmark = pytest.mark.django_db


def items(project):
    # A stable order: the primary keys are random UUIDs, so `.first()` alone picks any item.
    return ProjectItem.objects.filter(project=project).order_by("category", "key")


def test_checklist_follows_the_profile(make_project, catalog):
    project = make_project(compliance=[])
    keys = set(items(project).values_list("key", flat=True))
    expected = {
        c.key for c in catalog if c.applies_to(tier="small", frameworks=[], platform="lovable")
    }
    assert keys == expected
    assert not any(k.startswith("compliance.") and "gdpr" in k for k in keys)
    # Growth-tier and framework items are not there for a small, framework-free engagement.
    growth_only = catalog.filter(tiers=["growth", "scale"]).values_list("key", flat=True)
    assert not keys & set(growth_only)


def test_profile_change_adds_and_retires_items_without_losing_work(make_project, owner):
    project = make_project(compliance=["gdpr"])
    gdpr_item = items(project).filter(key__startswith="compliance.gdpr").first()
    assert gdpr_item is not None
    services.item_update(actor=owner, item=gdpr_item, status=ItemStatus.DONE)
    services.evidence_add(actor=owner, item=gdpr_item, url="https://example.test/dpa")
    services.comment_add(actor=owner, item=gdpr_item, body="Signed DPA with Supabase")

    # Drop GDPR and grow past 10K users: GDPR items retire, growth items arrive.
    project_services.project_update(
        actor=owner, project=project, compliance=["hipaa"], users_in_a_year=50_000
    )
    gdpr_item.refresh_from_db()
    assert gdpr_item.retired_at is not None
    assert gdpr_item.status == ItemStatus.DONE
    assert gdpr_item.evidence.count() == 1
    assert gdpr_item.comments.count() == 1
    current_keys = set(items(project).current().values_list("key", flat=True))
    assert any(k.startswith("compliance.hipaa") for k in current_keys)
    assert "architecture.read-replicas" in current_keys or any("replica" in k for k in current_keys)
    assert not any(k.startswith("compliance.gdpr") for k in current_keys)

    # And back: the item returns exactly as it was.
    project_services.project_update(actor=owner, project=project, compliance=["gdpr", "hipaa"])
    gdpr_item.refresh_from_db()
    assert gdpr_item.retired_at is None
    assert gdpr_item.status == ItemStatus.DONE
    assert items(project).filter(key=gdpr_item.key).count() == 1
    synced = Activity.objects.filter(project=project, kind=Activity.Kind.CHECKLIST_SYNCED)
    assert synced.count() == 3  # created, changed, changed back


def test_not_applicable_needs_a_reason(make_project, owner):
    project = make_project()
    item = items(project).first()
    with pytest.raises(ValidationError) as excinfo:
        services.item_update(actor=owner, item=item, status=ItemStatus.NOT_APPLICABLE)
    assert "not_applicable_reason" in excinfo.value.message_dict
    item.refresh_from_db()
    assert item.status == ItemStatus.TODO
    services.item_update(
        actor=owner,
        item=item,
        status=ItemStatus.NOT_APPLICABLE,
        not_applicable_reason="No payments in this product",
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_APPLICABLE
    assert item.not_applicable_reason == "No payments in this product"


def test_blank_reason_is_not_a_reason(make_project, owner):
    item = items(make_project()).first()
    with pytest.raises(ValidationError):
        services.item_update(
            actor=owner, item=item, status=ItemStatus.NOT_APPLICABLE, not_applicable_reason="   "
        )


def test_every_change_lands_in_the_feed_with_old_and_new_value(make_project, owner, engineer):
    project = make_project()
    project_services.project_assign(actor=owner, project=project, member=engineer)
    item = items(project).first()
    services.item_update(
        actor=owner,
        item=item,
        status=ItemStatus.IN_PROGRESS,
        assignee=engineer,
        due_date=date(2027, 1, 15),
    )
    feed = {
        a.field: (a.old_value, a.new_value, a.actor)
        for a in Activity.objects.filter(item=item, kind=Activity.Kind.ITEM_CHANGED)
    }
    assert feed["status"] == ("To do", "In progress", owner.user)
    assert feed["assignee"] == ("", engineer.user.display_name, owner.user)
    assert feed["due_date"] == ("", "2027-01-15", owner.user)


def test_readiness_is_stored_and_recorded_for_the_day(make_project, owner):
    project = make_project()
    critical = items(project).filter(severity="critical").first()
    services.item_update(actor=owner, item=critical, status=ItemStatus.DONE)
    project.refresh_from_db()
    expected = selectors.project_readiness(project=project).overall.percent
    assert project.readiness == expected > 0
    snapshot = ReadinessSnapshot.objects.get(project=project)
    assert snapshot.overall == expected
    assert snapshot.categories[critical.category] is not None


def test_unassigned_engineer_cannot_change_items_and_nothing_changes(make_project, engineer):
    item = items(make_project()).first()
    with pytest.raises(ApplicationError):
        services.item_update(actor=engineer, item=item, status=ItemStatus.DONE)
    item.refresh_from_db()
    assert item.status == ItemStatus.TODO
    assert not Activity.objects.filter(item=item).exists()


def test_another_agencys_owner_cannot_change_the_engagement_or_its_items(
    make_project, owner, other_agency, make_member
):
    """The services' last wall behind the views' doors: they lock rows of the actor's agency
    only, so a foreign engagement handed to them is not found and nothing changes."""
    from apps.clients import services as client_services
    from apps.clients.models import Client, ClientContact

    project = make_project()
    item = items(project).first()
    contact = client_services.contact_create(
        actor=owner, client=project.client, name="Ada", email="ada@acme.test"
    )
    stranger = make_member(other_agency, Role.OWNER)
    attempts = [
        lambda: services.item_update(actor=stranger, item=item, status=ItemStatus.DONE),
        lambda: services.item_sign_off(actor=stranger, item=item),
        lambda: project_services.project_update(actor=stranger, project=project, name="Taken"),
        lambda: project_services.project_set_tier(
            actor=stranger, project=project, tier="scale", reason="Mine now"
        ),
        lambda: project_services.project_archive(actor=stranger, project=project),
        lambda: project_services.project_create(
            actor=stranger, client=project.client, name="Theirs"
        ),
        lambda: client_services.client_update(actor=stranger, client=project.client, name="Taken"),
        lambda: client_services.contact_create(
            actor=stranger, client=project.client, name="Eve", email="eve@x.test"
        ),
        lambda: client_services.contact_update(actor=stranger, contact=contact, name="Eve"),
        lambda: client_services.contact_delete(actor=stranger, contact=contact),
        lambda: client_services.contact_invite(actor=stranger, contact=contact),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert (refused.value.code, refused.value.status) == ("not_found", 404)
    project.refresh_from_db()
    item.refresh_from_db()
    contact.refresh_from_db()
    assert (project.name, project.tier_override, project.archived_at) == ("Acme portal", "", None)
    assert item.status == ItemStatus.TODO
    assert Client.objects.get().name == project.client.name
    assert (ClientContact.objects.get(), contact.name) == (contact, "Ada")
    assert Project.objects.count() == 1
    assert not Invitation.objects.exists()
    assert not Activity.objects.filter(project=project, actor=stranger.user).exists()


def test_assigned_engineer_can_change_items(make_project, owner, engineer):
    project = make_project()
    project_services.project_assign(actor=owner, project=project, member=engineer)
    item = items(project).first()
    services.item_update(actor=engineer, item=item, status=ItemStatus.DONE)
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE


def test_client_contact_comments_and_signs_off_but_cannot_change_status(
    make_project, owner, acme_contact
):
    project = make_project()
    item = items(project).first()
    with pytest.raises(ApplicationError):
        services.item_update(actor=acme_contact, item=item, status=ItemStatus.DONE)
    services.comment_add(actor=acme_contact, item=item, body="Looks good from our side")
    with pytest.raises(ApplicationError, match="Only finished items"):
        services.item_sign_off(actor=acme_contact, item=item)
    services.item_update(actor=owner, item=item, status=ItemStatus.DONE)
    services.item_sign_off(actor=acme_contact, item=item)
    item.refresh_from_db()
    assert item.signed_off_by == acme_contact.user
    # Reopening withdraws the sign-off.
    services.item_update(actor=owner, item=item, status=ItemStatus.IN_PROGRESS)
    item.refresh_from_db()
    assert item.signed_off_at is None


def test_another_clients_contact_cannot_sign_off_or_comment(
    make_project, owner, agency, make_member
):
    from tests.factories import ClientFactory

    other = make_member(agency, "client", client=ClientFactory(agency=agency))
    item = items(make_project()).first()
    services.item_update(actor=owner, item=item, status=ItemStatus.DONE)
    with pytest.raises(ApplicationError):
        services.item_sign_off(actor=other, item=item)
    with pytest.raises(ApplicationError):
        services.comment_add(actor=other, item=item, body="hi")
    item.refresh_from_db()
    assert item.signed_off_at is None


def test_evidence_needs_a_link_or_a_note(make_project, owner):
    item = items(make_project()).first()
    with pytest.raises(ValidationError):
        services.evidence_add(actor=owner, item=item)
    with pytest.raises(ValidationError):
        services.evidence_add(actor=owner, item=item, url="javascript:alert(1)")
    assert not item.evidence.exists()


def test_agency_items_join_matching_engagements(make_project, owner, agency, committing):
    project = make_project()
    committing(
        services.catalog_item_create,
        actor=owner,
        key="security.pen-test-by-partner",
        category="security",
        title="Pen test by our partner firm",
        guidance="Book the partner two weeks before launch.",
        severity="high",
        level="silver",
    )
    assert items(project).filter(key="security.pen-test-by-partner").exists()
    item = CatalogItem.objects.get(agency=agency)
    committing(services.catalog_item_retire, actor=owner, item=item)
    retired = items(project).get(key="security.pen-test-by-partner")
    assert retired.retired_at is not None


def test_catalog_sync_is_idempotent(make_project):
    project = make_project()
    before = items(project).count()
    result = services.checklist_sync(project=project)
    assert (result.added, result.retired, result.restored) == (0, 0, 0)
    assert items(project).count() == before
