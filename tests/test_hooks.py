"""Every hook keeps its receivers: a lost `AppConfig.ready()` registration would silently
stop a cleanup (grants left behind) or a refusal (a busy host removed). docs/architecture.md
lists the same table."""

import pytest

from apps.agencies import hooks as agency_hooks
from apps.core.hooks import Hook
from apps.projects import hooks as project_hooks

EXPECTED = {
    agency_hooks.member_leaving: [
        "apps.projects.services.assignments_revoke_for_member",
        "apps.bookings.receivers.refuse_removing_busy_host",
    ],
    agency_hooks.member_became_client: [
        "apps.projects.services.assignments_revoke_for_member",
    ],
    agency_hooks.invitation_issued: [
        "apps.notifications.invitations.schedule_follow_ups",
    ],
    project_hooks.profile_changed: [
        "apps.checklists.services.checklist_follow_profile",
    ],
}


def _declared_hooks() -> list[Hook]:
    return [
        value
        for module in (agency_hooks, project_hooks)
        for value in vars(module).values()
        if isinstance(value, Hook)
    ]


def test_every_declared_hook_is_pinned():
    assert set(_declared_hooks()) == set(EXPECTED)


@pytest.mark.parametrize("hook", list(EXPECTED), ids=lambda hook: hook.name)
def test_hook_receivers(hook):
    names = [f"{receiver.__module__}.{receiver.__qualname__}" for receiver in hook.receivers]
    assert names == EXPECTED[hook]


def test_a_refusing_receiver_takes_back_what_earlier_receivers_did(
    make_project, owner, engineer, monkeypatch
):
    """Receivers run in app order (projects' revoke before bookings' refusal), so a refusal
    relies on the removal's transaction: the engineer keeps assignment, grants and the
    membership, and no audit row is written."""
    from apps.agencies.models import Membership
    from apps.agencies.services import membership_remove
    from apps.audit.models import AuditEvent, Verb
    from apps.core.errors import ApplicationError
    from apps.projects.models import Assignment, ProjectUserObjectPermission
    from apps.projects.services import project_assign

    project = make_project()
    project_assign(actor=owner, project=project, member=engineer)
    grants = ProjectUserObjectPermission.objects.filter(user=engineer.user).count()
    assert grants

    def refuse(*, membership):
        raise ApplicationError("Not now.", code="refused")

    hook = agency_hooks.member_leaving
    monkeypatch.setattr(hook, "_receivers", [*hook.receivers, refuse])
    with pytest.raises(ApplicationError, match="Not now"):
        membership_remove(actor=owner, membership=engineer)

    assert Membership.objects.filter(pk=engineer.pk).exists()
    assert Assignment.objects.filter(membership=engineer, project=project).exists()
    assert ProjectUserObjectPermission.objects.filter(user=engineer.user).count() == grants
    assert not AuditEvent.objects.filter(verb=Verb.MEMBER_REMOVED).exists()
