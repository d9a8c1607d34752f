"""Build the benchmark data set: N agencies (bench-001, bench-002, ...) with their teams,
clients, engagements, checklists, assignments and readiness, fast enough for N=100.

The rows are built in Python and bulk-inserted instead of going through the services, which
write one item at a time and would take hours at this size. What the services would decide
is decided by the same code: which catalog items apply (`CatalogItem.applies_to` on the
engagement's tier, frameworks and platform, copied as `checklist_sync` copies them), the
guardian grants an assignment carries (`WORK_PERMS`) and readiness (`readiness.compute`).

Refuses to build over an earlier run; `--reset` deletes the bench-NNN agencies and their
people first (about a second per agency on PostgreSQL: dropping the database is quicker).
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency, Membership
from apps.agencies.roles import Role
from apps.checklists import readiness
from apps.checklists.catalog import load_catalog
from apps.checklists.models import (
    CatalogItem,
    Comment,
    Evidence,
    ItemStatus,
    ProjectItem,
    ReadinessSnapshot,
)
from apps.clients.models import Client, ClientContact
from apps.core.tenancy import tenant_context
from apps.projects.models import (
    Activity,
    Assignment,
    Environment,
    Project,
    ProjectUserObjectPermission,
)
from apps.projects.permissions import WORK_PERMS
from apps.projects.profile import Framework, Platform, Stage

SLUG_PREFIX = "bench-"
EMAIL_DOMAIN = "bench.test"  # people are <role><n>@<agency slug>.bench.test
BENCH_PASSWORD = "launchpad-bench"  # noqa: S105 - published benchmark credential, local data
BATCH = 2000
ADMINS, ENGINEERS, CLIENT_CONTACTS, CLIENTS = 3, 10, 10, 20

FIRST_NAMES = (
    "Ada", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jade", "Kofi",
    "Lena", "Mateo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor",
    "Wen", "Xavier", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Patel", "Quispe",
    "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weiss", "Yilmaz", "Zhang",
)  # fmt: skip
TIME_ZONES = (
    "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
    "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "UTC",
)  # fmt: skip
CLIENT_WORDS = (
    "Acme", "Bluebird", "Cobalt", "Driftwood", "Ember", "Fathom", "Granite", "Harbor",
    "Indigo", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchard", "Pioneer",
    "Quarry", "Redwood", "Summit", "Tidal", "Umber", "Vertex", "Willow", "Zenith",
)  # fmt: skip
CLIENT_KINDS = (
    "Health", "Pay", "Labs", "Logistics", "Learning", "Analytics", "Energy", "Foods",
    "Travel", "Legal", "Insurance", "Games",
)  # fmt: skip
PRODUCTS = (
    "customer portal", "mobile app", "admin dashboard", "booking system", "marketplace",
    "API", "analytics workspace", "onboarding flow", "billing service", "partner portal",
)  # fmt: skip
STACKS = {
    Platform.LOVABLE: ("React", "TypeScript", "Supabase", "Tailwind CSS", "Vite", "Stripe"),
    Platform.REPLIT: ("Node.js", "Express", "React", "PostgreSQL", "Python", "Flask"),
    Platform.V0: ("Next.js", "TypeScript", "Vercel", "shadcn/ui", "PostgreSQL", "Prisma"),
    Platform.BOLT: ("React", "Vite", "Supabase", "Expo", "Firebase", "Node.js"),
    Platform.CURSOR: ("Python", "Django", "FastAPI", "PostgreSQL", "Redis", "Go"),
    Platform.OTHER: ("PHP", "Laravel", "MySQL", "Vue", "Ruby on Rails", "Java"),
}
PLATFORM_WEIGHTS = {
    Platform.LOVABLE: 28, Platform.REPLIT: 18, Platform.V0: 18, Platform.BOLT: 16,
    Platform.CURSOR: 14, Platform.OTHER: 6,
}  # fmt: skip
STAGE_WEIGHTS = {
    Stage.LEAD: 8, Stage.DISCOVERY: 14, Stage.MIGRATION: 28, Stage.STAGING: 20,
    Stage.LAUNCHED: 18, Stage.MAINTENANCE: 12,
}  # fmt: skip
# Share of items done and in progress, by stage (the rest is to do, a few not applicable).
STAGE_PROGRESS = {
    Stage.LEAD: (0.02, 0.0),
    Stage.DISCOVERY: (0.08, 0.05),
    Stage.MIGRATION: (0.30, 0.12),
    Stage.STAGING: (0.60, 0.12),
    Stage.LAUNCHED: (0.85, 0.06),
    Stage.MAINTENANCE: (0.93, 0.03),
}
LAUNCH_OFFSET_DAYS = {
    Stage.LEAD: None,
    Stage.DISCOVERY: (45, 120),
    Stage.MIGRATION: (20, 90),
    Stage.STAGING: (3, 30),
    Stage.LAUNCHED: (-60, -1),
    Stage.MAINTENANCE: (-400, -60),
}
SNAPSHOT_DAYS_AGO = (21, 14, 7, 0)
NOT_APPLICABLE_REASON = "Handled by the managed platform; covered by the vendor's attestation."


def _uuid(rng: random.Random) -> uuid.UUID:
    """Random but reproducible ids: the same seed gives the same URLs to benchmark."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def bulk_insert(model, objs: list) -> None:
    """Insert many rows. On PostgreSQL through COPY, four to five times faster than
    bulk_create's INSERTs for the checklist items; elsewhere bulk_create."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    from psycopg.types.json import Jsonb  # noqa: PLC0415 - psycopg is there only on PostgreSQL

    now = timezone.now()
    fields = [
        f
        for f in model._meta.concrete_fields
        # An auto-increment key left empty is the database's to fill.
        if not (f.primary_key and getattr(objs[0], f.attname) is None)
    ]
    stamped = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    as_json = {f.attname for f in fields if isinstance(f, JSONField)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    rows = (
        [
            now
            if name in stamped
            else Jsonb(getattr(obj, name))
            if name in as_json
            else getattr(obj, name)
            for name in (f.attname for f in fields)
        ]
        for obj in objs
    )
    # Row-level security refuses COPY into a tenant table: COPY into a temporary copy, then
    # one INSERT ... SELECT, which the policies check like any insert.
    staging = connection.ops.quote_name(f"bench_{model._meta.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
            f"(LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Names from the model's own metadata, quoted: nothing from outside reaches the SQL.
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging}")  # noqa: S608
        cursor.execute(f"TRUNCATE {staging}")


def _percent(value: Decimal | None, share: float = 1.0) -> Decimal:
    value = value or Decimal(0)
    return (value * Decimal(str(share))).quantize(Decimal("0.01"), ROUND_HALF_UP)


class Command(BaseCommand):
    help = (
        "Build the benchmark data set: N agencies (bench-001...), each with 24 people, "
        "20 clients and --projects-per-agency engagements with their checklists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agencies", type=int, default=100)
        parser.add_argument("--projects-per-agency", type=int, default=50)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete every bench-NNN agency and its people first.",
        )

    def handle(self, *args, agencies, projects_per_agency, seed, reset, **options):
        if not 1 <= agencies <= 999:
            raise CommandError("--agencies must be between 1 and 999.")
        if projects_per_agency < 0:
            raise CommandError("--projects-per-agency cannot be negative.")
        started = time.monotonic()
        load_catalog()
        slugs = [f"{SLUG_PREFIX}{n:03d}" for n in range(1, agencies + 1)]
        if reset:
            removed = reset_bench()
            self.stdout.write(
                f"Removed {removed} bench agencies ({time.monotonic() - started:.1f}s)"
            )
        elif Agency.objects.filter(slug__in=slugs).exists():
            raise CommandError(
                "Bench agencies already exist; run again with --reset to rebuild them."
            )

        builder = BenchBuilder(projects_per_agency=projects_per_agency, seed=seed)
        totals: Counter[str] = Counter()
        for number, slug in enumerate(slugs, 1):
            with transaction.atomic():
                totals.update(builder.agency(slug, number))
            if number == agencies or number % 10 == 0 or agencies <= 10:
                self.stdout.write(
                    f"  {number}/{agencies} agencies, {totals['projects']} projects, "
                    f"{totals['items']} items ({time.monotonic() - started:.0f}s)"
                )

        analyze()
        elapsed = time.monotonic() - started
        per_project = totals["items"] / totals["projects"] if totals["projects"] else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Bench data ready in {elapsed:.1f}s: {agencies} agencies, {totals['users']} "
                f"users, {totals['clients']} clients, {totals['projects']} projects, "
                f"{totals['items']} items ({per_project:.0f} per project), "
                f"{totals['assignments']} assignments, {totals['snapshots']} readiness snapshots."
            )
        )
        self.stdout.write(
            f"Sign in as owner@{slugs[0]}.{EMAIL_DOMAIN} (also admin1, engineer1, client1 ...), "
            f"password: {BENCH_PASSWORD}"
        )


def analyze() -> None:
    """Fresh planner statistics, so the benchmarks that follow do not wait for autovacuum
    to notice a million new rows."""
    if connection.vendor != "postgresql":
        return
    models = (
        User, EmailAddress, Membership, Client, ClientContact, Project, Environment, Assignment,
        ProjectUserObjectPermission, ProjectItem, Activity, ReadinessSnapshot,
    )  # fmt: skip
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def reset_bench() -> int:
    """Delete the bench agencies (bench-NNN, nothing else), everything in them and their
    people.

    The big tables go first with plain DELETEs: Django's cascade would load every checklist
    item into memory to look for dependants that these statements remove anyway."""
    agencies = list(Agency.objects.filter(slug__regex=rf"^{SLUG_PREFIX}[0-9]{{3}}$"))
    for agency in agencies:
        with transaction.atomic(), tenant_context(agency):
            for model in (Activity, Evidence, Comment, ReadinessSnapshot, ProjectItem):
                qs = model.objects.for_agency(agency)
                qs._raw_delete(qs.db)
            grants = ProjectUserObjectPermission.objects.filter(content_object__agency=agency)
            grants._raw_delete(grants.db)
            Project.objects.for_agency(agency).delete()
            agency.delete()
    User.objects.filter(email__endswith=f".{EMAIL_DOMAIN}").delete()
    return len(agencies)


class BenchBuilder:
    """Builds one agency at a time; every row of it comes from a generator seeded by the
    agency's slug, so bench-007 is the same whatever N is."""

    def __init__(self, *, projects_per_agency: int, seed: int):
        self.projects_per_agency = projects_per_agency
        self.seed = seed
        self.password = make_password(BENCH_PASSWORD)  # hashed once: the slow part of a user
        self.catalog = list(
            CatalogItem.objects.filter(agency__isnull=True, retired_at__isnull=True).order_by("key")
        )
        self.permissions = [
            Permission.objects.get(content_type__app_label="projects", codename=codename)
            for codename in WORK_PERMS
        ]
        self.now = timezone.now()
        self.today = timezone.localdate()

    def agency(self, slug: str, number: int) -> Counter[str]:
        # Deterministic on purpose: a benchmark data set must be reproducible (nothing secret).
        rng = random.Random(f"{self.seed}:{slug}")  # noqa: S311
        agency = Agency(id=_uuid(rng), name=f"Bench Agency {number:03d}", slug=slug)
        agency.full_clean()
        agency.save()
        with tenant_context(agency):
            return self._fill(agency, rng)

    def _fill(self, agency: Agency, rng: random.Random) -> Counter[str]:
        memberships = self._people(agency, rng)
        clients = self._clients(agency, rng)
        by_role: dict[str, list[Membership]] = {role: [] for role in Role.values}
        for membership in memberships:
            by_role[membership.role].append(membership)
        owner, admins = by_role[Role.OWNER][0], by_role[Role.ADMIN]
        engineers, contacts = by_role[Role.ENGINEER], by_role[Role.CLIENT]
        # Each client contact follows one client in the portal; the first clients have one.
        for membership, client in zip(contacts, clients, strict=False):
            membership.client = client
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        self._contacts(agency, rng, clients, contacts)

        contact_of = {m.client_id: m for m in contacts}
        rows: dict[type, list] = {
            model: []
            for model in (
                Project, Environment, Assignment, ProjectUserObjectPermission, ProjectItem,
                Activity, ReadinessSnapshot,
            )
        }  # fmt: skip
        for index in range(self.projects_per_agency):
            client = clients[index % len(clients)]
            self._project(
                agency, rng, index, client, owner, admins, engineers, contact_of.get(client.pk),
                rows,
            )  # fmt: skip
        for model, objs in rows.items():
            bulk_insert(model, objs)
        return Counter(
            users=len(memberships),
            clients=len(clients),
            projects=len(rows[Project]),
            items=len(rows[ProjectItem]),
            assignments=len(rows[Assignment]),
            snapshots=len(rows[ReadinessSnapshot]),
        )

    # --- People and clients -----------------------------------------------------------------

    def _people(self, agency: Agency, rng: random.Random) -> list[Membership]:
        """Users with verified addresses; their memberships are returned unsaved."""
        domain = f"{agency.slug}.{EMAIL_DOMAIN}"
        plan = [("owner", Role.OWNER)]
        plan += [(f"admin{n}", Role.ADMIN) for n in range(1, ADMINS + 1)]
        plan += [(f"engineer{n}", Role.ENGINEER) for n in range(1, ENGINEERS + 1)]
        plan += [(f"client{n}", Role.CLIENT) for n in range(1, CLIENT_CONTACTS + 1)]
        users, memberships = [], []
        for local, role in plan:
            user = User(
                id=_uuid(rng),
                email=f"{local}@{domain}",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                time_zone=rng.choice(TIME_ZONES),
                password=self.password,
                date_joined=self.now,
            )
            users.append(user)
            memberships.append(Membership(id=_uuid(rng), agency=agency, user=user, role=role))
        User.objects.bulk_create(users, batch_size=BATCH)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
            batch_size=BATCH,
        )
        return memberships

    def _clients(self, agency: Agency, rng: random.Random) -> list[Client]:
        names = rng.sample([f"{w} {k}" for w in CLIENT_WORDS for k in CLIENT_KINDS], CLIENTS)
        clients = []
        for index, name in enumerate(names):
            # Mostly active, a few prospects and two former clients, as real lists look.
            status = (
                Client.Status.ARCHIVED
                if index >= CLIENTS - 2
                else Client.Status.PROSPECT
                if index >= CLIENTS - 5
                else Client.Status.ACTIVE
            )
            site = name.lower().replace(" ", "")
            clients.append(
                Client(
                    id=_uuid(rng),
                    agency=agency,
                    name=name,
                    website=f"https://{site}.test",
                    billing_email=f"billing@{site}.test",
                    status=status,
                )
            )
        Client.objects.bulk_create(clients, batch_size=BATCH)
        return clients

    def _contacts(self, agency, rng, clients: list[Client], contacts: list[Membership]) -> None:
        """Each client's people: its portal user if it has one, and its CTO."""
        people = [(m.client, m.user.name, m.user.email) for m in contacts]
        for client in clients:
            site = client.website.removeprefix("https://")
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            people.append((client, name, f"cto@{site}"))
        ClientContact.objects.bulk_create(
            [
                ClientContact(id=_uuid(rng), agency=agency, client=client, name=name, email=email)
                for client, name, email in people
            ],
            batch_size=BATCH,
        )

    # --- Engagements ------------------------------------------------------------------------

    def _project(self, agency, rng, index, client, owner, admins, engineers, contact, rows) -> None:
        if client.status == Client.Status.PROSPECT:
            stage = rng.choice([Stage.LEAD, Stage.DISCOVERY])
        elif client.status == Client.Status.ARCHIVED:
            stage = rng.choice([Stage.LAUNCHED, Stage.MAINTENANCE])
        else:
            stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
        platform = rng.choices(list(PLATFORM_WEIGHTS), weights=list(PLATFORM_WEIGHTS.values()))[0]
        launch, year = self._users(rng)
        compliance = sorted(
            rng.sample(Framework.values, rng.choices([0, 1, 2, 3], weights=[35, 40, 20, 5])[0])
        )
        offset = LAUNCH_OFFSET_DAYS[stage]
        product = rng.choice(PRODUCTS)
        project = Project(
            id=_uuid(rng),
            agency=agency,
            client=client,
            name=f"{client.name.split()[0]} {product} #{index + 1}",
            description=f"Taking the {platform.label} prototype of the {product} to production.",
            source_platform=platform,
            repository_url=(
                f"https://github.com/{client.name.lower().replace(' ', '-')}/"
                f"{product.replace(' ', '-')}-{index + 1}"
            ),
            stack=rng.sample(STACKS[platform], rng.randint(2, 4)),
            users_at_launch=launch,
            users_in_a_year=year,
            compliance=compliance,
            stage=stage,
            target_launch=self.today + timedelta(days=rng.randint(*offset)) if offset else None,
            last_activity_at=self.now - timedelta(minutes=rng.randint(5, 60 * 24 * 20)),
            archived_at=(
                self.now - timedelta(days=rng.randint(1, 90))
                if client.status == Client.Status.ARCHIVED
                else None
            ),
        )
        if rng.random() < 0.04:
            project.tier_override = rng.choice(["growth", "scale"])
            project.tier_override_reason = "Traffic spikes expected from a launch partner."
            project.tier_overridden_by = owner.user

        crew = rng.sample(engineers, 0 if stage == Stage.LEAD else rng.randint(1, 3))
        if rng.random() < 0.2:
            crew.append(rng.choice(admins))  # an admin working on it too
        items = self._items(agency, rng, project, stage, crew or admins, contact)
        result = readiness.compute(
            readiness.ItemFacts(i.category, i.severity, i.level, i.status) for i in items
        )
        project.readiness = _percent(result.overall.percent)
        project.open_items = result.overall.total - result.overall.done

        rows[Project].append(project)
        rows[ProjectItem].extend(items)
        for kind in ("development", "staging", "production")[: rng.randint(0, 3)]:
            rows[Environment].append(
                Environment(
                    id=_uuid(rng),
                    agency=agency,
                    project=project,
                    kind=kind,
                    url=f"https://{kind}.p{index + 1}.{agency.slug}.bench.test",
                )
            )
        activities = rows[Activity]
        activities.append(self._activity(rng, project, owner, Activity.Kind.PROJECT_CREATED))
        activities.append(
            self._activity(
                rng,
                project,
                owner,
                Activity.Kind.CHECKLIST_SYNCED,
                message=f"Checklist items: {len(items)} added.",
            )
        )
        for member in crew:
            rows[Assignment].append(
                Assignment(
                    id=_uuid(rng),
                    agency=agency,
                    project=project,
                    membership=member,
                    assigned_by=owner.user,
                )
            )
            rows[ProjectUserObjectPermission].extend(
                ProjectUserObjectPermission(
                    content_object=project, user=member.user, permission=permission
                )
                for permission in self.permissions
            )
            activities.append(
                self._activity(
                    rng,
                    project,
                    owner,
                    Activity.Kind.ENGINEER_ASSIGNED,
                    new=member.user.display_name,
                )
            )
        done = [i for i in items if i.status == ItemStatus.DONE]
        for item in rng.sample(done, min(len(done), 8)):
            activities.append(
                self._activity(
                    rng,
                    project,
                    item.assignee or owner,
                    Activity.Kind.ITEM_CHANGED,
                    item=item,
                    field="status",
                    old=ItemStatus.TODO.label,
                    new=ItemStatus.DONE.label,
                )
            )
        for days_ago in SNAPSHOT_DAYS_AGO:
            # Earlier points of the history climb to today's value (bench data, not measured).
            share = 1.0 - days_ago / 35
            rows[ReadinessSnapshot].append(
                ReadinessSnapshot(
                    id=_uuid(rng),
                    agency=agency,
                    project=project,
                    day=self.today - timedelta(days=days_ago),
                    overall=_percent(result.overall.percent, share),
                    categories={
                        name: (
                            None if score.percent is None else str(_percent(score.percent, share))
                        )
                        for name, score in sorted(result.categories.items())
                    },
                )
            )

    @staticmethod
    def _users(rng: random.Random) -> tuple[int | None, int | None]:
        tier = rng.choices(["small", "growth", "scale", "unknown"], weights=[48, 34, 14, 4])[0]
        if tier == "unknown":
            return None, None
        low, high = {
            "small": (100, 9_000),
            "growth": (10_000, 95_000),
            "scale": (101_000, 2_000_000),
        }[tier]
        year = rng.randint(low, high)
        return max(1, year // rng.randint(2, 8)), year

    def _items(self, agency, rng, project, stage, workers, contact) -> list[ProjectItem]:
        applicable = [c for c in self.catalog if c.applies_to_project(project)]
        done_share, progress_share = STAGE_PROGRESS[stage]
        items = []
        for catalog_item in applicable:
            roll = rng.random()
            status = (
                ItemStatus.DONE
                if roll < done_share
                else ItemStatus.IN_PROGRESS
                if roll < done_share + progress_share
                else ItemStatus.NOT_APPLICABLE
                if roll > 0.985
                else ItemStatus.TODO
            )
            # Ids rather than instances: setting related objects costs more than the insert.
            item = ProjectItem.from_catalog(
                catalog_item,
                id=_uuid(rng),
                agency_id=agency.pk,
                project_id=project.pk,
                status=status,
            )
            if status == ItemStatus.NOT_APPLICABLE:
                item.not_applicable_reason = NOT_APPLICABLE_REASON
            elif status == ItemStatus.DONE:
                item.assignee = rng.choice(workers) if rng.random() < 0.7 else None
                item.completed_at = self.now - timedelta(hours=rng.randint(1, 24 * 60))
                if rng.random() < 0.1:
                    item.verified_by_scan_at = item.completed_at
                signs_off = contact is not None and stage in (Stage.LAUNCHED, Stage.MAINTENANCE)
                if signs_off and rng.random() < 0.2:
                    item.signed_off_by = contact.user
                    item.signed_off_at = item.completed_at + timedelta(hours=6)
            elif status == ItemStatus.IN_PROGRESS or rng.random() < 0.35:
                item.assignee = rng.choice(workers)
                # Some of it is late: due dates spread from three weeks ago to six weeks on.
                if rng.random() < 0.7:
                    item.due_date = self.today + timedelta(days=rng.randint(-21, 42))
            items.append(item)
        return items

    def _activity(self, rng, project, member, kind, *, item=None, **values) -> Activity:
        return Activity(
            id=_uuid(rng),
            agency_id=project.agency_id,
            project_id=project.pk,
            item_id=item.pk if item else None,
            actor_id=member.user_id,
            kind=kind,
            field=values.get("field", ""),
            old_value=values.get("old", ""),
            new_value=values.get("new", ""),
            message=values.get("message", ""),
        )
