"""Row-level security, the second wall: PostgreSQL itself refuses rows of other agencies.

Every table with an `agency_id` column gets ENABLE and FORCE ROW LEVEL SECURITY and one
policy: a row is visible and writable when its agency is the one in the transaction-local
setting `launchpad.agency`, or inside the named cross-agency path (`launchpad.cross_agency`
non-empty, see `tenancy.cross_agency`). An empty setting matches nothing, so code that forgot
its tenant scope sees no rows instead of everybody's. Rows whose agency is NULL (the shared
checklist catalog, account events in the audit trail) belong to no tenant and stay visible.

The policies are applied after every `migrate` (post_migrate, as the owner role that runs
migrations), so a new tenant table is covered the moment it exists; `missing_policies()` is
the catalog check the tests and `manage.py check_rls` run.
"""

from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

POLICY = "tenant_isolation"

_AGENCY = "NULLIF(current_setting('launchpad.agency', true), '')::uuid"
_CROSS = "COALESCE(current_setting('launchpad.cross_agency', true), '') <> ''"
_USER = "NULLIF(current_setting('launchpad.user', true), '')::uuid"

# What a signed-in person may read of their own across agencies, before choosing one (read
# only: writes always happen inside the agency's scope).
SELF_POLICIES = {
    # Their memberships: the agency switcher and the sign-in redirect.
    "agencies_membership": f"user_id = {_USER}",
    # Invitations to one of their verified addresses: offered at onboarding.
    "agencies_invitation": (
        "lower(email) IN (SELECT lower(address.email) FROM account_emailaddress address "  # noqa: S608 - constants only
        f"WHERE address.user_id = {_USER} AND address.verified)"
    ),
}


class TenantTable(NamedTuple):
    name: str
    nullable: bool  # the agency column: NULL rows are shared (catalog, account events)
    enabled: bool
    forced: bool
    has_policy: bool


def tenant_tables(connection: BaseDatabaseWrapper) -> list[TenantTable]:
    """Every table in the schema with an agency column, with its row-level security state."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, NOT a.attnotnull, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_policy p
                           WHERE p.polrelid = c.oid AND p.polname = %s)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
              AND a.attname = 'agency_id' AND NOT a.attisdropped
            ORDER BY c.relname
            """,
            [POLICY],
        )
        return [TenantTable(*row) for row in cursor.fetchall()]


def _visible(*, nullable: bool) -> str:
    shared = "agency_id IS NULL OR " if nullable else ""
    return f"{shared}agency_id = {_AGENCY} OR {_CROSS}"


def apply_policies(connection: BaseDatabaseWrapper) -> list[str]:
    """Enable, force and (re)create the policies; idempotent. Returns the tables covered."""
    tables = tenant_tables(connection)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            name = quote(table.name)
            condition = _visible(nullable=table.nullable)
            cursor.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {name}")
            cursor.execute(
                f"CREATE POLICY {POLICY} ON {name} USING ({condition}) WITH CHECK ({condition})"
            )
            cursor.execute(f"DROP POLICY IF EXISTS own_rows ON {name}")
            if table.name in SELF_POLICIES:
                own = SELF_POLICIES[table.name]
                cursor.execute(f"CREATE POLICY own_rows ON {name} FOR SELECT USING ({own})")
    return [table.name for table in tables]


def grant_app_role(connection: BaseDatabaseWrapper, role: str) -> bool:
    """Give the application role the data rights it needs and nothing else (no TRUNCATE,
    no DDL, no ownership). False when the role does not exist on this server."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return False
        name = connection.ops.quote_name(role)
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}")
    return True


def missing_policies(connection: BaseDatabaseWrapper) -> list[str]:
    """Tables with an agency column lacking ENABLE, FORCE or the policy: should be none."""
    problems = []
    for table in tenant_tables(connection):
        checks = (("ENABLE", table.enabled), ("FORCE", table.forced), ("policy", table.has_policy))
        lacks = [label for label, ok in checks if not ok]
        if lacks:
            problems.append(f"{table.name}: no {', '.join(lacks)}")
    return problems


def _may_alter_tables(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR pg_has_role(current_user, "
            "(SELECT tableowner FROM pg_tables WHERE tablename = 'django_migrations' "
            "AND schemaname = current_schema()), 'MEMBER') "
            "FROM pg_roles WHERE rolname = current_user"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def on_post_migrate(*, using: str = "default", **kwargs: object) -> None:
    """Cover every tenant table after each migrate, and grant the app role its rights."""
    from django.db import connections  # noqa: PLC0415 - keeps this module import-light

    connection = connections[using]
    if connection.vendor != "postgresql" or not _may_alter_tables(connection):
        # `flush` (between transactional tests) signals too, connected as the app role.
        return
    apply_policies(connection)
    grant_app_role(connection, settings.DATABASE_APP_ROLE)
