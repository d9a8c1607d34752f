"""Load the demo data set: one agency with its team, clients and engagements at every stage,
with checklist progress, written through the same services the app uses.

Safe to run twice: it finds what it made before and only fills in what is missing. A client
or an engagement that already exists is left exactly as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import User
from apps.agencies import services as agency_services
from apps.agencies.models import Agency, Invitation, Membership
from apps.agencies.roles import Role
from apps.bookings import services as booking_services
from apps.bookings.availability import available_slots
from apps.bookings.models import ConsultationType
from apps.checklists import services as checklist_services
from apps.checklists.catalog import load_catalog
from apps.checklists.models import ItemStatus, ProjectItem, ReadinessSnapshot
from apps.checklists.readiness import SEVERITY_WEIGHT
from apps.clients import services as client_services
from apps.clients.models import Client, ClientContact
from apps.core.tenancy import tenant_context
from apps.core.unset import UNSET
from apps.demo.scans import seed_project_scans
from apps.projects import services as project_services
from apps.projects.models import Project
from apps.projects.profile import Stage

DEMO_PASSWORD = "launchpad-demo"  # noqa: S105 - published demo credential, local data only
DEMO_AGENCY = {"name": "Northwind Studio", "slug": "northwind", "time_zone": "Europe/Berlin"}
DEMO_PEOPLE = [
    ("owner@northwind.test", "Olivia Owner", Role.OWNER, "Europe/Berlin"),
    ("admin@northwind.test", "Adam Admin", Role.ADMIN, "Europe/London"),
    ("engineer@northwind.test", "Erin Engineer", Role.ENGINEER, "America/New_York"),
    ("engineer2@northwind.test", "Ethan Engineer", Role.ENGINEER, "Asia/Kolkata"),
    ("client@acme.test", "Chloe Client", Role.CLIENT, "America/Los_Angeles"),
]
DEMO_SEED = 20_250_601
CLIENT_LOGIN = "client@acme.test"
ERIN, ETHAN, ADAM = "engineer@northwind.test", "engineer2@northwind.test", "admin@northwind.test"
HISTORY_DAYS = 30
SCANNED_PROJECT = "Merchant dashboard"


@dataclass(frozen=True)
class DemoClient:
    name: str
    website: str
    billing_email: str
    notes: str
    contacts: tuple[tuple[str, str, str, str], ...]  # name, email, title, phone
    archived: bool = False


@dataclass(frozen=True)
class DemoProject:
    client: str
    name: str
    description: str
    platform: str
    stack: tuple[str, ...]
    users_at_launch: int | None
    users_in_a_year: int | None
    compliance: tuple[str, ...]
    stage: Stage
    launch_in_days: int | None  # relative to today; negative: already launched
    repository_url: str = ""
    environments: dict[str, str] = field(default_factory=dict)
    engineers: tuple[str, ...] = ()
    tier_override: tuple[str, str] | None = None  # (tier, reason)
    archived: bool = False


DEMO_CLIENTS = [
    DemoClient(
        name="Acme Payments",
        website="https://acmepay.test",
        billing_email="billing@acme.test",
        notes="Card payouts for online marketplaces. The prototype was built on Lovable; the "
        "partner bank requires PCI DSS before go-live, and EU merchants need GDPR.",
        contacts=(
            ("Chloe Client", CLIENT_LOGIN, "Head of Product", "+1 415 555 0101"),
            ("Marcus Chen", "marcus@acme.test", "CTO", "+1 415 555 0142"),
        ),
    ),
    DemoClient(
        name="Vitalink Health",
        website="https://vitalink.test",
        billing_email="accounts@vitalink.test",
        notes="Patient intake and follow-up for physiotherapy clinics, prototyped on Replit. "
        "Handles PHI, so HIPAA safeguards and a signed BAA with every vendor.",
        contacts=(
            ("Priya Raman", "priya@vitalink.test", "Founder & CEO", "+1 617 555 0188"),
            ("Tom Okafor", "tom@vitalink.test", "Clinical lead", ""),
        ),
    ),
    DemoClient(
        name="Ledgerly",
        website="https://ledgerly.test",
        billing_email="finance@ledgerly.test",
        notes="B2B spend analytics for finance teams; the UI came from V0. Enterprise buyers "
        "ask for a SOC 2 Type II report before signing.",
        contacts=(
            ("Sofia Martins", "sofia@ledgerly.test", "CEO", "+44 20 7946 0321"),
            ("Jonas Weber", "jonas@ledgerly.test", "Head of Engineering", ""),
            ("Amara Diallo", "amara@ledgerly.test", "Security & compliance", ""),
        ),
    ),
    DemoClient(
        name="Pebble Labs",
        website="https://pebble.test",
        billing_email="hello@pebble.test",
        notes="Consumer habit-tracking app built with Bolt, growing fast in the EU and "
        "California: GDPR and CCPA/CPRA from day one.",
        contacts=(("Leo Park", "leo@pebble.test", "Co-founder", "+1 310 555 0199"),),
    ),
    DemoClient(
        name="Orbit Freight",
        website="https://orbitfreight.test",
        billing_email="ap@orbitfreight.test",
        notes="Dispatch board for a regional freight broker, built in Cursor. The contract "
        "ended after launch; kept for reference.",
        contacts=(("Nadia Hassan", "nadia@orbitfreight.test", "Operations director", ""),),
        archived=True,
    ),
]

DEMO_PROJECTS = [
    DemoProject(
        client="Acme Payments",
        name="Merchant dashboard",
        description="Payout reports, disputes and KYC status for marketplace merchants.",
        platform="lovable",
        stack=("React", "TypeScript", "Supabase", "Stripe Connect", "Tailwind CSS"),
        users_at_launch=12_000,
        users_in_a_year=60_000,
        compliance=("pci", "gdpr"),
        stage=Stage.LAUNCHED,
        launch_in_days=-18,
        repository_url="https://github.com/acme-payments/merchant-dashboard",
        environments={
            "development": "https://acme-dashboard.lovable.app",
            "staging": "https://staging.dashboard.acmepay.test",
            "production": "https://dashboard.acmepay.test",
        },
        engineers=(ERIN, ETHAN),
    ),
    DemoProject(
        client="Acme Payments",
        name="Payouts API",
        description="Public API for marketplaces to schedule and reconcile payouts.",
        platform="cursor",
        stack=("Python", "FastAPI", "PostgreSQL", "Redis"),
        users_at_launch=400,
        users_in_a_year=3_000,
        compliance=("pci",),
        stage=Stage.MIGRATION,
        launch_in_days=45,
        repository_url="https://github.com/acme-payments/payouts-api",
        environments={"development": "https://dev.api.acmepay.test"},
        engineers=(ERIN,),
    ),
    DemoProject(
        client="Vitalink Health",
        name="Patient intake portal",
        description="Intake forms, consent and appointment follow-ups for clinics.",
        platform="replit",
        stack=("Node.js", "Express", "React", "PostgreSQL"),
        users_at_launch=2_500,
        users_in_a_year=20_000,
        compliance=("hipaa",),
        stage=Stage.STAGING,
        launch_in_days=12,
        repository_url="https://github.com/vitalink/intake-portal",
        environments={
            "development": "https://intake-portal.replit.app",
            "staging": "https://staging.intake.vitalink.test",
        },
        engineers=(ETHAN, ADAM),
    ),
    DemoProject(
        client="Ledgerly",
        name="Spend analytics workspace",
        description="Dashboards over card and invoice spend, with SSO for enterprise teams.",
        platform="v0",
        stack=("Next.js", "TypeScript", "Vercel", "PostgreSQL", "ClickHouse"),
        users_at_launch=45_000,
        users_in_a_year=90_000,
        compliance=("soc2",),
        stage=Stage.MAINTENANCE,
        launch_in_days=-110,
        repository_url="https://github.com/ledgerly/workspace",
        environments={
            "staging": "https://staging.app.ledgerly.test",
            "production": "https://app.ledgerly.test",
        },
        engineers=(ERIN, ETHAN),
        tier_override=(
            "scale",
            (
                "Enterprise pilot with three banks: month-end closes bring 20x bursts, so we "
                "plan multi-region and autoscaling now rather than migrate under load."
            ),
        ),
    ),
    DemoProject(
        client="Pebble Labs",
        name="Habit tracker app",
        description="Mobile-first habit tracker with streaks, reminders and social nudges.",
        platform="bolt",
        stack=("React Native", "Expo", "Firebase", "Node.js"),
        users_at_launch=150_000,
        users_in_a_year=1_200_000,
        compliance=("gdpr", "ccpa"),
        stage=Stage.DISCOVERY,
        launch_in_days=80,
        repository_url="https://github.com/pebble-labs/habits",
        engineers=(ETHAN,),
    ),
    DemoProject(
        client="Pebble Labs",
        name="Creator marketplace",
        description="Paid habit programmes sold by coaches; scoping a first version.",
        platform="bolt",
        stack=("React", "Supabase"),
        users_at_launch=5_000,
        users_in_a_year=None,
        compliance=("gdpr", "ccpa"),
        stage=Stage.LEAD,
        launch_in_days=None,
    ),
    DemoProject(
        client="Orbit Freight",
        name="Dispatch board",
        description="Load board and driver assignment for a regional freight broker.",
        platform="cursor",
        stack=("Django", "htmx", "PostgreSQL"),
        users_at_launch=300,
        users_in_a_year=800,
        compliance=(),
        stage=Stage.MAINTENANCE,
        launch_in_days=-200,
        repository_url="https://github.com/orbit-freight/dispatch",
        environments={"production": "https://dispatch.orbitfreight.test"},
        engineers=(ERIN,),
        archived=True,
    ),
]

# Share of items done / in progress / not applicable, by stage.
STAGE_PROGRESS = {
    Stage.LEAD: (0.015, 0.0, 0.0),
    Stage.DISCOVERY: (0.06, 0.05, 0.02),
    Stage.MIGRATION: (0.30, 0.12, 0.03),
    Stage.STAGING: (0.60, 0.12, 0.04),
    Stage.LAUNCHED: (0.85, 0.06, 0.04),
    Stage.MAINTENANCE: (0.93, 0.03, 0.04),
}
# Readiness 30 days ago as a share of today's, by stage: a young engagement climbs from zero.
HISTORY_START = {
    Stage.LEAD: 0.0,
    Stage.DISCOVERY: 0.0,
    Stage.MIGRATION: 0.25,
    Stage.STAGING: 0.45,
    Stage.LAUNCHED: 0.7,
    Stage.MAINTENANCE: 0.93,
}
NOT_APPLICABLE_REASONS = [
    "Handled by the managed platform (covered by the vendor's attestation).",
    "No such feature in this product: nothing to protect here.",
    "Out of scope for this engagement; agreed with the client in the kick-off.",
    "The client runs this in-house with their own team.",
    "Single-region by design for now; revisit at the next tier.",
]
EVIDENCE_NOTES = [
    "Checked on staging with the client's QA lead; screenshots in the shared drive.",
    "Reviewed in the weekly security call; no findings.",
    "Load test: 500 rps for 10 minutes, p95 under target.",
    "Runbook written and rehearsed once with the on-call engineer.",
]
ENGINEER_COMMENTS = [
    "Done on staging; promoting to production with tomorrow's release.",
    "Blocked on credentials from the client's cloud account, asked Chloe by email.",
    "This one turned out bigger than expected: splitting it into two PRs.",
    "Verified again after the dependency upgrade, still green.",
    "Can we pair on this on Thursday? The legacy code path is unclear.",
]
CLIENT_COMMENTS = [
    "Thanks! Could we see this on staging before we sign it off?",
    "Our auditor asked for evidence of this one, is the link below enough?",
    "Looks good from our side.",
    "Please prioritise this before the bank review next week.",
]


def demo_user(email: str, name: str, time_zone: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, name=name, time_zone=time_zone
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = (
        "Create the demo agency, people, clients and engagements (idempotent), then print "
        "the demo logins."
    )

    def handle(self, *args, **options):
        # Commit first, then print: the demo invitation's email (printed to the console in
        # development) goes out on commit and must not bury the logins.
        created = self.seed()
        if created:
            self.stdout.write(f"Created {created} demo engagements with checklist progress.")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at /accounts/login/ with:"))
        for email, _name, role, _tz in DEMO_PEOPLE:
            self.stdout.write(f"  {role.label:<15} {email:<28} password: {DEMO_PASSWORD}")

    @transaction.atomic
    def seed(self) -> int:
        load_catalog()
        people = {email: demo_user(email, name, tz) for email, name, _, tz in DEMO_PEOPLE}
        owner = people[DEMO_PEOPLE[0][0]]
        agency = Agency.objects.filter(slug=DEMO_AGENCY["slug"]).first()
        if agency is None:
            agency = agency_services.agency_create(user=owner, **DEMO_AGENCY)
        with tenant_context(agency):
            for email, _name, role, _tz in DEMO_PEOPLE:
                Membership.objects.for_agency(agency).get_or_create(
                    user=people[email], defaults={"agency": agency, "role": role}
                )
            owner_membership = Membership.objects.for_agency(agency).get(user=owner)
            if (
                not Invitation.objects.for_agency(agency)
                .filter(email="newhire@northwind.test")
                .exists()
            ):
                agency_services.invitation_create(
                    actor=owner_membership, email="newhire@northwind.test", role=Role.ENGINEER
                )
            # Deterministic on purpose: the same demo every run (not used for anything secret).
            return DemoWork(agency, random.Random(DEMO_SEED)).run()  # noqa: S311


class DemoWork:
    """Clients, engagements and their checklist progress in the demo agency."""

    def __init__(self, agency: Agency, rng: random.Random):
        self.agency = agency
        self.rng = rng
        self.today = timezone.localdate()
        self.members = {
            m.user.email: m
            for m in Membership.objects.for_agency(agency).select_related("user", "agency")
        }
        self.manager = self.members[ADAM]

    def run(self) -> int:
        clients = {spec.name: self.client(spec) for spec in DEMO_CLIENTS}
        self.link_client_login(clients["Acme Payments"])
        created = 0
        for spec in DEMO_PROJECTS:
            client = clients[spec.client]
            if not (
                Project.objects.for_agency(self.agency)
                .filter(client=client, name=spec.name)
                .exists()
            ):
                self.project(spec, client)
                created += 1
        for client_spec in DEMO_CLIENTS:
            client = clients[client_spec.name]
            if client_spec.archived and client.status != Client.Status.ARCHIVED:
                client_services.client_update(
                    actor=self.manager, client=client, status=Client.Status.ARCHIVED
                )
        DemoBookings(self.agency, self.members, self.rng).run()
        return created

    # --- Clients ----------------------------------------------------------------------------

    def client(self, spec: DemoClient) -> Client:
        client = Client.objects.for_agency(self.agency).filter(name__iexact=spec.name).first()
        if client is None:
            client = client_services.client_create(
                actor=self.manager,
                name=spec.name,
                website=spec.website,
                billing_email=spec.billing_email,
                notes=spec.notes,
            )
        known = set(
            ClientContact.objects.for_agency(self.agency)
            .filter(client=client)
            .values_list("email", flat=True)
        )
        for name, email, title, phone in spec.contacts:
            if email not in known:
                client_services.contact_create(
                    actor=self.manager,
                    client=client,
                    name=name,
                    email=email,
                    title=title,
                    phone=phone,
                )
        return client

    def link_client_login(self, client: Client) -> None:
        """The demo client login follows its company's engagements in the portal."""
        membership = self.members[CLIENT_LOGIN]
        if membership.client_id != client.pk:
            membership.client = client
            membership.full_clean()
            membership.save(update_fields=["client", "updated_at"])

    # --- Engagements ------------------------------------------------------------------------

    def project(self, spec: DemoProject, client: Client) -> Project:
        rng = self.rng
        project = project_services.project_create(
            actor=self.manager,
            client=client,
            name=spec.name,
            description=spec.description,
            source_platform=spec.platform,
            repository_url=spec.repository_url,
            stack=list(spec.stack),
            users_at_launch=spec.users_at_launch,
            users_in_a_year=spec.users_in_a_year,
            compliance=list(spec.compliance),
            stage=spec.stage,
            target_launch=(
                self.today + timedelta(days=spec.launch_in_days)
                if spec.launch_in_days is not None
                else None
            ),
        )
        if spec.tier_override:
            tier, reason = spec.tier_override
            project_services.project_set_tier(
                actor=self.manager, project=project, tier=tier, reason=reason
            )
        for kind, url in spec.environments.items():
            project_services.environment_set(
                actor=self.manager, project=project, kind=kind, url=url
            )
        crew = [self.members[email] for email in spec.engineers]
        for member in crew:
            project_services.project_assign(actor=self.manager, project=project, member=member)
        workers = crew or [self.manager]

        items = list(
            ProjectItem.objects.for_agency(self.agency)
            .current()
            .filter(project=project)
            .select_related("project")
            .order_by("key")
        )
        done_share, progress_share, na_share = STAGE_PROGRESS[spec.stage]
        # Critical and high items, and bronze before gold, get done first, as a team would.
        level_rank = {"bronze": 0, "silver": 1, "gold": 2}
        ordered = sorted(
            items,
            key=lambda i: (
                -SEVERITY_WEIGHT[i.severity] + level_rank[i.level] * 2 + rng.uniform(0, 14)
            ),
        )
        n_done = round(len(items) * done_share)
        n_progress = round(len(items) * progress_share)
        n_na = round(len(items) * na_share)
        done = ordered[:n_done]
        in_progress = ordered[n_done : n_done + n_progress]
        rest = ordered[n_done + n_progress :]
        not_applicable = rng.sample([i for i in rest if i.severity in ("low", "medium")], n_na)
        todo = [i for i in rest if i not in not_applicable]

        for item in done:
            worker = rng.choice(workers)
            assign = rng.random() < 0.6
            checklist_services.item_update(
                actor=worker,
                item=item,
                status=ItemStatus.DONE,
                assignee=worker if assign else UNSET,
            )
        for item in in_progress:
            worker = rng.choice(workers)
            checklist_services.item_update(
                actor=worker,
                item=item,
                status=ItemStatus.IN_PROGRESS,
                assignee=worker,
                # Some of the work in flight is late: due dates before today.
                due_date=self.today + timedelta(days=rng.randint(-9, 14)),
            )
        for item in not_applicable:
            checklist_services.item_update(
                actor=self.manager,
                item=item,
                status=ItemStatus.NOT_APPLICABLE,
                not_applicable_reason=rng.choice(NOT_APPLICABLE_REASONS),
            )
        if spec.stage != Stage.LEAD:
            upcoming = rng.sample(todo, min(len(todo), max(3, len(todo) // 6)))
            for item in upcoming:
                checklist_services.item_update(
                    actor=self.manager,
                    item=item,
                    assignee=rng.choice(workers),
                    due_date=self.today + timedelta(days=rng.randint(-5, 30)),
                )

        self.evidence_and_comments(spec, project, done, in_progress, workers)
        if spec.name == SCANNED_PROJECT:
            self.scans(project)
        if spec.archived:
            project_services.project_archive(actor=self.manager, project=project)
        self.backfill_history(project, spec.stage)
        return project

    def scans(self, project: Project) -> None:
        """The Lovable prototype's repository as delivered, and rescanned before launch: the
        real engine over a generated tree (demo data clones nothing). Before the history is
        drawn, so that the history ends at what the scans left."""
        now = timezone.now()
        seed_project_scans(
            project=project,
            requested_by=self.members[ERIN].user,
            seed=DEMO_SEED,
            delivered_at=now - timedelta(days=40, hours=3),
            rescanned_at=now - timedelta(days=20, hours=5),
        )

    def evidence_and_comments(self, spec, project, done, in_progress, workers) -> None:
        rng = self.rng
        repo = spec.repository_url or "https://github.com/northwind-studio/notes"
        for item in rng.sample(done, min(len(done), 4 + len(done) // 12)):
            worker = rng.choice(workers)
            if rng.random() < 0.65:
                checklist_services.evidence_add(
                    actor=worker, item=item, url=f"{repo}/pull/{rng.randint(12, 480)}"
                )
            else:
                checklist_services.evidence_add(
                    actor=worker, item=item, note=rng.choice(EVIDENCE_NOTES)
                )
        discussed = rng.sample(done + in_progress, min(len(done + in_progress), 4))
        for item in discussed:
            checklist_services.comment_add(
                actor=rng.choice(workers), item=item, body=rng.choice(ENGINEER_COMMENTS)
            )
        client_login = self.members[CLIENT_LOGIN]
        if client_login.client_id != project.client_id:
            return
        for item in discussed[:2]:
            checklist_services.comment_add(
                actor=client_login, item=item, body=rng.choice(CLIENT_COMMENTS)
            )
        if spec.stage in (Stage.LAUNCHED, Stage.MAINTENANCE, Stage.STAGING, Stage.MIGRATION):
            critical_first = sorted(done, key=lambda i: -SEVERITY_WEIGHT[i.severity])
            for item in critical_first[: 6 if spec.stage == Stage.LAUNCHED else 2]:
                checklist_services.item_sign_off(actor=client_login, item=item)

    # --- Readiness history ------------------------------------------------------------------

    def backfill_history(self, project: Project, stage: Stage) -> None:
        """Demo history, not measurement: the services record one snapshot per day as work
        happens, but a freshly seeded engagement has only today's. Draw the past 30 days as a
        plausible climb to today's real value, written directly because no service can record
        the past."""
        today_row = ReadinessSnapshot.objects.for_agency(self.agency).get(
            project=project, day=self.today
        )
        final = today_row.overall
        start = HISTORY_START[stage]
        rows, share = [], start
        for days_ago in range(HISTORY_DAYS, 0, -1):
            progress = (HISTORY_DAYS - days_ago) / HISTORY_DAYS
            target = start + (1 - start) * progress**1.4
            # Work lands in bursts: some days nothing moves, some days a lot.
            if self.rng.random() < 0.7:
                share = min(max(share, target + self.rng.uniform(-0.04, 0.02)), 1.0)
            rows.append(
                ReadinessSnapshot(
                    agency=self.agency,
                    project=project,
                    day=self.today - timedelta(days=days_ago),
                    overall=_scaled(final, share),
                    categories={
                        name: (None if value is None else str(_scaled(Decimal(value), share)))
                        for name, value in today_row.categories.items()
                    },
                )
            )
        ReadinessSnapshot.objects.bulk_create(rows, ignore_conflicts=True)


class DemoBookings:
    """Two consultation offers, the hosts' weekly hours (each in their own zone) and a few
    upcoming bookings, so the public booking page and the bookings list have something on
    them. Created once; a later run finds the offers and leaves everything as it is."""

    HOURS = {  # host email: (time zone, weekly ranges per weekday Monday..Friday)
        "owner@northwind.test": ("Europe/Berlin", [(time(9), time(12)), (time(14), time(17))]),
        "admin@northwind.test": ("Europe/London", [(time(10), time(16))]),
        "engineer@northwind.test": ("America/New_York", [(time(9), time(15))]),
        "engineer2@northwind.test": ("Asia/Kolkata", [(time(11), time(18))]),
    }
    PROSPECTS = [
        ("Nadia Novak", "nadia@lumen.example", "Lumen Analytics", "lovable", 15_000, ["gdpr"]),
        ("Tomas Reyes", "tomas@fieldkit.example", "FieldKit", "bolt", 3_000, []),
        ("Priya Shah", "priya@carely.example", "Carely", "replit", 40_000, ["hipaa"]),
    ]

    def __init__(self, agency: Agency, members: dict, rng: random.Random):
        self.agency, self.members, self.rng = agency, members, rng
        self.owner = members["owner@northwind.test"]

    def run(self) -> None:
        if ConsultationType.objects.for_agency(self.agency).exists():
            return
        for email, (zone, ranges) in self.HOURS.items():
            booking_services.schedule_save(
                actor=self.owner,
                member=self.members[email],
                time_zone=zone,
                weekly=dict.fromkeys(range(5), ranges),
            )
        review = booking_services.offer_save(
            actor=self.owner,
            hosts=[self.members["owner@northwind.test"], self.members["admin@northwind.test"]],
            name="Prototype review",
            slug="prototype-review",
            description="Show us your AI-built prototype; we tell you what it takes to launch.",
            duration_minutes=45,
            interval_minutes=15,
            buffer_after_minutes=15,
            minimum_notice_minutes=12 * 60,
            booking_window_days=45,
            daily_cap=4,
            location_detail="https://meet.northwind.test/review",
        )
        booking_services.offer_save(
            actor=self.owner,
            hosts=[
                self.members["engineer@northwind.test"],
                self.members["engineer2@northwind.test"],
            ],
            name="Security deep-dive",
            slug="security-deep-dive",
            description="An hour with an engineer on secrets, row-level security and rate limits.",
            duration_minutes=60,
            interval_minutes=30,
            buffer_before_minutes=10,
            minimum_notice_minutes=24 * 60,
            booking_window_days=30,
            host_choice="booker_picks",
            location="phone",
            location_detail="+44 20 7946 0000",
        )
        self.book_prospects(review)

    def book_prospects(self, offer) -> None:
        now = timezone.now()
        slots = available_slots(offer, start=now, end=now + timedelta(days=14), now=now)
        picks = sorted(
            self.rng.sample(slots, k=min(len(slots), len(self.PROSPECTS))), key=lambda s: s.start
        )
        for (name, email, company, platform, users, compliance), slot in zip(
            self.PROSPECTS, picks, strict=False
        ):
            booking_services.booking_create(
                consultation_type=offer,
                start=slot.start,
                booker=booking_services.Booker(
                    name=name,
                    email=email,
                    time_zone=self.rng.choice(["America/Chicago", "Europe/Paris", "Asia/Dubai"]),
                    company=company,
                    prototype_url=f"https://{slugify(company)}.{platform}.example",
                    platform=platform,
                    expected_users=users,
                    compliance=tuple(compliance),
                    notes="Found you through the prototype-to-production guide.",
                ),
                consent=True,
                idempotency_key=f"demo-{email.split('@')[0]}",
                now=now,
            )


def _scaled(value: Decimal, share: float) -> Decimal:
    return (value * Decimal(str(round(share, 4)))).quantize(Decimal("0.01"), ROUND_HALF_UP)
