"""The data commands: seed_demo (the demo agency, through the services, idempotent) and
seed_bench (the benchmark data set, bulk-inserted, checked against the same rules)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.test import TestCase
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Role
from apps.audit.models import AuditEvent
from apps.checklists import readiness
from apps.checklists.models import (
    CatalogItem,
    Comment,
    Evidence,
    ItemStatus,
    ProjectItem,
    ReadinessSnapshot,
)
from apps.checklists.selectors import project_readiness
from apps.clients.models import Client, ClientContact
from apps.core.tenancy import tenant_context
from apps.demo.management.commands.seed_bench import BENCH_PASSWORD
from apps.demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_PEOPLE, DEMO_SEED
from apps.demo.scans import prototype_snapshots
from apps.projects.models import (
    Activity,
    Assignment,
    Environment,
    Project,
    ProjectUserObjectPermission,
)
from apps.projects.profile import Stage
from apps.scans.models import Scan, ScanFinding
from apps.scans.selectors import scan_diff
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory

COUNTED = (
    User, EmailAddress, Agency, Membership, Client, ClientContact, Project, Environment,
    Assignment, ProjectUserObjectPermission, ProjectItem, Evidence, Comment, Activity,
    ReadinessSnapshot, AuditEvent, Scan, ScanFinding,
)  # fmt: skip
ENGINEERS = ("engineer@northwind.test", "engineer2@northwind.test")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def run(command: str, **options) -> str:
    out = StringIO()
    call_command(command, stdout=out, **options)
    return out.getvalue()


# --- seed_demo ----------------------------------------------------------------------------


class TestSeedDemo(TestCase):
    """seed_demo goes through the services item by item and takes seconds, so it runs once
    for the class (setUpTestData) and each test works on that data set, rolled back after."""

    @classmethod
    def setUpTestData(cls):
        run("seed_demo")
        cls.agency = Agency.objects.get(slug="northwind")

    def test_a_second_run_changes_nothing_and_prints_the_logins_as_before(self):
        before = counts()
        stamps = {
            model: set(model.objects.values_list("pk", "updated_at"))
            for model in (Client, Project, ProjectItem, Membership, ReadinessSnapshot)
        }
        output = run("seed_demo")
        assert counts() == before
        for model, rows in stamps.items():
            assert set(model.objects.values_list("pk", "updated_at")) == rows, model
        assert "Demo data ready. Sign in at /accounts/login/ with:" in output
        for email, _name, role, _tz in DEMO_PEOPLE:
            assert f"  {role.label:<15} {email:<28} password: {DEMO_PASSWORD}" in output

    def test_engagements_in_every_stage_with_readiness_that_fits_the_stage(self):
        agency = self.agency
        projects = list(Project.objects.for_agency(agency))
        assert 6 <= len(projects) <= 8
        assert {p.stage for p in projects} == set(Stage.values)
        assert {p.tier for p in projects} == {"small", "growth", "scale"}
        overridden = [p for p in projects if p.tier_override]
        assert overridden
        assert all(p.tier_override_reason and p.tier_overridden_by for p in overridden)
        by_stage: dict[str, list[Project]] = {}
        for project in projects:
            by_stage.setdefault(project.stage, []).append(project)
            # The stored readiness is the services' own, recomputed from the items.
            assert project.readiness == (project_readiness(project=project).overall.percent or 0)
        advanced = (Stage.MIGRATION, Stage.STAGING, Stage.LAUNCHED, Stage.MAINTENANCE)
        assert all(p.readiness > 0 for stage in advanced for p in by_stage[stage])
        assert max(p.readiness for p in by_stage[Stage.LEAD]) <= 10
        assert min(p.readiness for p in by_stage[Stage.LAUNCHED]) >= 70
        assert Environment.objects.for_agency(agency).exclude(url="").exists()
        assert all(p.target_launch for p in projects if p.stage != Stage.LEAD)

    def test_clients_with_contacts_one_archived(self):
        clients = list(Client.objects.for_agency(self.agency))
        assert 4 <= len(clients) <= 5
        assert [c.status for c in clients].count(Client.Status.ARCHIVED) == 1
        for client in clients:
            contacts = ClientContact.objects.for_agency(self.agency).filter(client=client)
            assert 1 <= contacts.count() <= 3

    def test_the_client_login_follows_its_clients_engagements(self):
        membership = Membership.objects.for_agency(self.agency).get(user__email="client@acme.test")
        assert membership.role == Role.CLIENT
        assert membership.client is not None
        assert Project.objects.for_agency(self.agency).filter(client=membership.client).count() >= 2

    def test_checklists_look_worked_on_through_the_services(self):
        agency = self.agency
        items = ProjectItem.objects.for_agency(agency)
        today = timezone.localdate()
        assert items.filter(status=ItemStatus.IN_PROGRESS).exists()
        not_applicable = items.filter(status=ItemStatus.NOT_APPLICABLE)
        assert not_applicable.exists()
        assert not not_applicable.filter(not_applicable_reason="").exists()
        assert items.filter(assignee__isnull=False).exists()
        assert items.filter(status__in=["todo", "in_progress"], due_date__lt=today).exists()
        assert items.filter(due_date__gte=today).exists()
        assert Evidence.objects.for_agency(agency).exclude(url="").exists()
        assert Evidence.objects.for_agency(agency).exclude(note="").exists()
        assert items.filter(signed_off_at__isnull=False, status=ItemStatus.DONE).exists()

        client_user = User.objects.get(email="client@acme.test")
        engineers = User.objects.filter(email__in=ENGINEERS)
        comments = Comment.objects.for_agency(agency)
        assert comments.filter(author=client_user).exists()
        assert comments.filter(author__in=engineers).exists()
        # The work is in the engagements' feeds, done by the engineers too.
        feed = Activity.objects.for_agency(agency)
        assert feed.filter(kind=Activity.Kind.ITEM_CHANGED, actor__in=engineers).exists()
        assert feed.filter(kind=Activity.Kind.ITEM_SIGNED_OFF, actor=client_user).exists()
        assert feed.filter(kind=Activity.Kind.ITEM_EVIDENCE).exists()

    def test_engineers_are_assigned_with_their_grants(self):
        for engineer in User.objects.filter(email__in=ENGINEERS):
            assigned = Assignment.objects.for_agency(self.agency).filter(membership__user=engineer)
            assert assigned.count() >= 2
            for assignment in assigned:
                assert engineer.has_perm("projects.work_on_project", assignment.project)

    def test_readiness_history_climbs_to_todays_value(self):
        today = timezone.localdate()
        for project in Project.objects.for_agency(self.agency):
            history = list(
                ReadinessSnapshot.objects.for_agency(self.agency)
                .filter(project=project)
                .order_by("day")
            )
            assert [s.day for s in history] == [
                today - timedelta(days=n) for n in range(30, -1, -1)
            ]
            values = [s.overall for s in history]
            assert values == sorted(values)
            assert values[-1] == project.readiness
            if project.stage in (Stage.MIGRATION, Stage.STAGING, Stage.LAUNCHED):
                assert values[0] < values[-1]

    def test_the_lovable_engagement_has_a_scan_and_a_rescan_by_the_real_engine(self):
        project = Project.objects.for_agency(self.agency).get(name="Merchant dashboard")
        first, second = (
            Scan.objects.for_agency(self.agency).filter(project=project).order_by("finished_at")
        )
        assert (first.status, second.status) == (Scan.Status.SUCCEEDED, Scan.Status.SUCCEEDED)
        assert second.previous == first
        assert first.finished_at < second.finished_at < timezone.now() - timedelta(days=1)
        assert first.report["platform"]["name"] == "Lovable"
        rules = set(
            ScanFinding.objects.for_agency(self.agency)
            .filter(scan=first)
            .values_list("rule_id", flat=True)
        )
        # The faults typical of an AI-built app, each found by its rule.
        assert {
            "secrets.stripe-key", "secrets.supabase-service-role", "ai.service-role-in-frontend",
            "ai.supabase-rls-missing", "ai.supabase-permissive-policy",
            "ai.supabase-verify-jwt-disabled", "testing.tests-present", "ci.pipeline",
        } <= rules  # fmt: skip
        diff = scan_diff(scan=second)
        assert not diff.new
        assert {f.rule_id for f in diff.fixed} >= {"secrets.stripe-key", "ci.pipeline"}
        assert 0 < diff.unchanged < len(diff.fixed)
        # The rescan left its mark on the checklist: proven items and open gaps.
        items = ProjectItem.objects.for_agency(self.agency).filter(project=project)
        assert items.filter(verified_by_scan_at__isnull=False, status=ItemStatus.DONE).exists()
        assert items.exclude(scan_gap="").exists()
        feed = Activity.objects.for_agency(self.agency).filter(
            project=project, kind=Activity.Kind.SCAN
        )
        assert sorted(a.created_at for a in feed) == [first.finished_at, second.finished_at]

    def test_demo_secrets_are_stored_redacted_only(self):
        delivered, _ = prototype_snapshots(DEMO_SEED)
        stripe_line = delivered["src/lib/stripe.ts"].splitlines()[1]
        secret = stripe_line.split("'")[1]
        findings = ScanFinding.objects.for_agency(self.agency).filter(rule_id="secrets.stripe-key")
        assert findings.exists()
        for finding in findings:
            assert secret not in f"{finding.snippet} {finding.message}"
            assert finding.fingerprint
        stored = str(list(Scan.objects.for_agency(self.agency).values_list("report", flat=True)))
        assert secret not in stored

    def test_the_demo_logins_work(self):
        for email, _name, _role, _tz in DEMO_PEOPLE:
            assert EmailAddress.objects.get(email=email).verified
            browser = HttpClient()
            response = browser.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
            assert response.status_code == 302, email
            assert browser.session.get("_auth_user_id") == str(User.objects.get(email=email).pk)


# --- seed_bench ---------------------------------------------------------------------------


def seed_bench(**options) -> str:
    return run("seed_bench", agencies=2, projects_per_agency=3, **options)


@pytest.mark.django_db
def test_seed_bench_builds_the_expected_data_set():
    output = seed_bench()
    agencies = list(Agency.objects.filter(slug__startswith="bench-").order_by("slug"))
    assert [a.slug for a in agencies] == ["bench-001", "bench-002"]
    assert "2 agencies, 48 users, 40 clients, 6 projects" in output
    catalog = list(CatalogItem.objects.filter(agency__isnull=True, retired_at__isnull=True))
    total_items = 0
    for agency in agencies:
        with tenant_context(agency):
            members = Membership.objects.for_agency(agency).select_related("user")
            roles = [m.role for m in members]
            assert roles.count(Role.OWNER) == 1
            assert roles.count(Role.ADMIN) == 3
            assert roles.count(Role.ENGINEER) == 10
            assert roles.count(Role.CLIENT) == 10
            assert all(m.client_id for m in members if m.role == Role.CLIENT)
            for member in members:
                assert EmailAddress.objects.get(user=member.user, email=member.user.email).verified
                assert member.user.check_password(BENCH_PASSWORD)
            assert Client.objects.for_agency(agency).count() == 20
            projects = list(Project.objects.for_agency(agency))
            assert len(projects) == 3
            for project in projects:
                total_items += _check_bench_project(agency, project, catalog)
    assert ProjectItem.objects.count() == total_items
    assert f"{total_items} items" in output


def _check_bench_project(agency, project, catalog) -> int:
    items = list(ProjectItem.objects.for_agency(agency).filter(project=project))
    expected = {
        c.pk: c
        for c in catalog
        if c.applies_to(
            tier=project.tier, frameworks=project.compliance, platform=project.source_platform
        )
    }
    assert {i.catalog_item_id for i in items} == set(expected)
    for item in items:
        source = expected[item.catalog_item_id]
        copied = (item.key, item.category, item.title, item.severity, item.level)
        assert copied == (source.key, source.category, source.title, source.severity, source.level)
        if item.status == ItemStatus.NOT_APPLICABLE:
            assert item.not_applicable_reason
    computed = readiness.compute(
        readiness.ItemFacts(i.category, i.severity, i.level, i.status) for i in items
    )
    assert project.readiness == (computed.overall.percent or 0)
    assert project.readiness == (project_readiness(project=project).overall.percent or 0)
    latest = ReadinessSnapshot.objects.for_agency(agency).filter(project=project).last()
    assert latest.day == timezone.localdate()
    assert latest.overall == project.readiness
    for assignment in Assignment.objects.for_agency(agency).filter(project=project):
        user = assignment.membership.user
        assert user.has_perm("projects.view_project", project)
        assert user.has_perm("projects.work_on_project", project)
    assert ProjectUserObjectPermission.objects.filter(content_object=project).count() == (
        2 * Assignment.objects.for_agency(agency).filter(project=project).count()
    )
    return len(items)


@pytest.mark.django_db
def test_seed_bench_refuses_a_second_run_and_rebuilds_with_reset():
    seed_bench()
    before = counts()
    project_ids = set(Project.objects.values_list("pk", flat=True))

    with pytest.raises(CommandError, match="--reset"):
        seed_bench()
    assert counts() == before

    seed_bench(reset=True)
    assert counts() == before
    # Same seed, same data set: even the ids (and so the benchmarked URLs) come back.
    assert set(Project.objects.values_list("pk", flat=True)) == project_ids


@pytest.mark.django_db
def test_seed_bench_reset_removes_only_bench_agencies_and_people():
    seed_bench()
    other = MembershipFactory(agency=AgencyFactory(slug="bench-studio"), role=Role.OWNER)
    ClientFactory(agency=other.agency)
    run("seed_bench", agencies=1, projects_per_agency=1, reset=True)
    slugs = set(Agency.objects.values_list("slug", flat=True))
    assert slugs == {"bench-001", "bench-studio"}
    assert not User.objects.filter(email__endswith="@bench-002.bench.test").exists()
    assert Project.objects.count() == 1
    assert Client.objects.filter(agency=other.agency).count() == 1
    assert User.objects.filter(pk=other.user_id).exists()
