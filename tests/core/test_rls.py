"""Row-level security, the second wall: run as the application role, PostgreSQL itself keeps
each agency's rows to that agency, whatever the query says."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.db import DatabaseError, connection, connections, transaction

from apps.agencies.models import Membership
from apps.clients.models import Client
from apps.core import rls
from apps.core.db.postgresql.base import DatabaseWrapper
from apps.core.tenancy import acting_user, cross_agency, tenant_context
from tests.factories import AgencyFactory, ClientFactory, MembershipFactory
from tests.server.conftest import free_port, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rls]


@pytest.fixture
def two_agencies(db):
    with cross_agency("test data"):
        mine, theirs = AgencyFactory(), AgencyFactory()
        ClientFactory(agency=mine, name="Mine Ltd")
        theirs_client = ClientFactory(agency=theirs, name="Theirs Ltd")
    return mine, theirs, theirs_client


def _count(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_the_tests_connect_as_a_role_that_owns_nothing_and_is_bound_by_rls(db):
    if not os.environ.get("DATABASE_OWNER_URL"):
        pytest.fail("DATABASE_OWNER_URL is not set: these tests must run as the app role")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole FROM pg_roles "
            "WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = current_user"
        )
        assert cursor.fetchone()[0] == 0


def test_every_table_with_an_agency_column_has_enable_force_and_a_policy(db):
    tables = {table.name for table in rls.tenant_tables(connection)}
    # The catalog check finds the tenant tables by their column, not from a list of ours.
    assert {"clients_client", "bookings_booking", "scans_scan", "audit_auditevent"} <= tables
    assert len(tables) >= 25
    assert rls.missing_policies(connection) == []


def test_the_catalog_check_names_a_table_that_lacks_its_policy(db):
    owner_url = os.environ.get("DATABASE_OWNER_URL") or pytest.fail("needs DATABASE_OWNER_URL")
    # As a careless migration would: a table with an agency column and no policy.
    with psycopg.connect(
        _libpq(owner_url, connection.settings_dict["NAME"]), autocommit=True
    ) as raw:
        raw.execute("CREATE TABLE rls_probe (id int, agency_id uuid)")
        try:
            assert rls.missing_policies(connection) == ["rls_probe: no ENABLE, FORCE, policy"]
        finally:
            raw.execute("DROP TABLE rls_probe")


def test_with_agency_a_rows_of_b_are_invisible_through_the_orm_and_raw_sql(two_agencies):
    mine, theirs, theirs_client = two_agencies
    with tenant_context(mine):
        # No agency filter in these queries: the database applies it.
        assert list(Client.objects.values_list("name", flat=True)) == ["Mine Ltd"]
        assert not Client.objects.filter(pk=theirs_client.pk).exists()
        assert _count("SELECT count(*) FROM clients_client") == 1
        assert _count("SELECT count(*) FROM clients_client WHERE agency_id = %s", [theirs.pk]) == 0


def test_with_agency_a_rows_of_b_are_unwritable(two_agencies):
    mine, theirs, theirs_client = two_agencies
    with tenant_context(mine):
        assert Client.objects.filter(pk=theirs_client.pk).update(name="Taken") == 0
        assert Client.objects.filter(pk=theirs_client.pk).delete()[0] == 0
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE clients_client SET name = 'Taken' WHERE agency_id = %s", [theirs.pk]
            )
            assert cursor.rowcount == 0
            cursor.execute("DELETE FROM clients_client WHERE agency_id = %s", [theirs.pk])
            assert cursor.rowcount == 0
        # Writing a row into B, or moving one of A's rows into B, breaks the policy's check.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Client.objects.create(agency=theirs, name="Planted")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Client.objects.filter(agency=mine).update(agency=theirs)
    with cross_agency("test check"):
        theirs_client.refresh_from_db()
        assert theirs_client.name == "Theirs Ltd"
        assert Client.objects.filter(agency=theirs).count() == 1
        assert Client.objects.filter(agency=mine).count() == 1


def test_without_the_setting_no_tenant_row_is_visible(two_agencies):
    assert Client.objects.count() == 0
    assert Membership.objects.count() == 0
    assert _count("SELECT count(*) FROM clients_client") == 0
    with cross_agency("test check"):
        assert Client.objects.count() == 2


def test_a_person_reads_their_own_memberships_and_nobody_elses(db):
    with cross_agency("test data"):
        mine = MembershipFactory()
        MembershipFactory(user=mine.user)
        MembershipFactory()
    with acting_user(mine.user.pk):
        assert Membership.objects.count() == 2
        assert set(Membership.objects.values_list("user", flat=True)) == {mine.user.pk}
        # Reading is all: the person's own row in another agency is not theirs to change.
        assert Membership.objects.update(role="owner") == 0


def test_a_raw_connection_with_an_empty_setting_sees_nothing(two_agencies):
    """Not only our connection class: the policy itself fails closed on ''. The data is
    uncommitted here, so this reads the committed state: empty either way."""
    url = os.environ.get("DATABASE_URL", "")
    with psycopg.connect(_libpq(url, connection.settings_dict["NAME"])) as raw:
        raw.execute("SELECT set_config('launchpad.agency', '', true)")
        assert raw.execute("SELECT count(*) FROM clients_client").fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_setting_is_empty():
    with cross_agency("test data"):
        agency = AgencyFactory()
        ClientFactory(agency=agency)
    with tenant_context(agency):
        with transaction.atomic():
            assert Client.objects.count() == 1
            assert _setting() == str(agency.pk)
        # Autocommit: each statement brings its own short transaction and setting.
        assert Client.objects.count() == 1
    # Read past the connection class, on the same session: nothing is left behind.
    with connection.cursor() as cursor:
        cursor.cursor.execute("SELECT current_setting('launchpad.agency', true)")
        assert cursor.cursor.fetchone()[0] in ("", None)
    assert Client.objects.count() == 0


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('launchpad.agency', true)")
        return cursor.fetchone()[0]


def _libpq(url: str, name: str) -> str:
    """A libpq URL for the test database, from a DATABASE_URL-style one."""
    head = url.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql://{head}/{name}"


@pytest.fixture
def pgbouncer():
    """PgBouncer in transaction mode with ONE server connection, so every client shares it:
    whatever one transaction leaves behind, the next client would see."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        pytest.skip("needs PgBouncer (apt-get install pgbouncer)")
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="lp-pgbouncer-"))
    workdir.chmod(0o777)
    settings_dict = connection.settings_dict
    ini = workdir / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"lp = host={settings_dict['HOST'] or '127.0.0.1'} port={settings_dict['PORT'] or 5432} "
        f"dbname={settings_dict['NAME']} user={settings_dict['USER']}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\ndefault_pool_size = 1\n"
        "max_client_conn = 20\nignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {workdir}/pgbouncer.log\npidfile = {workdir}/pgbouncer.pid\n"
    )
    ini.chmod(0o644)
    # PgBouncer refuses to run as root.
    command = [binary, str(ini)]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: _accepts(port), timeout=15, what="PgBouncer")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def _accepts(port: int) -> bool:
    try:
        with psycopg.connect(host="127.0.0.1", port=port, dbname="lp", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        time.sleep(0.1)
        return False


@pytest.mark.pgbouncer
@pytest.mark.django_db(transaction=True)
def test_through_pgbouncer_in_transaction_mode_the_setting_never_reaches_the_next_client(
    pgbouncer,
):
    with cross_agency("test data"):
        agency = AgencyFactory()
        ClientFactory(agency=agency)
    bouncer = DatabaseWrapper(
        {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": pgbouncer, "NAME": "lp",
         "CONN_MAX_AGE": 0},
        alias="bouncer",
    )  # fmt: skip
    connections["bouncer"] = bouncer
    try:
        with tenant_context(agency):
            # Both ways the connection class works: a transaction, and autocommit.
            with transaction.atomic(using="bouncer"), bouncer.cursor() as cursor:
                cursor.execute("SELECT count(*), pg_backend_pid() FROM clients_client")
                visible, server_pid = cursor.fetchone()
            with bouncer.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM clients_client")
                assert cursor.fetchone()[0] == 1
        assert visible == 1
        # Another client, on the same server connection, straight after.
        with psycopg.connect(host="127.0.0.1", port=pgbouncer, dbname="lp") as other:
            pid, setting, count = other.execute(
                "SELECT pg_backend_pid(), current_setting('launchpad.agency', true), "
                "(SELECT count(*) FROM clients_client)"
            ).fetchone()
        assert pid == server_pid
        assert setting in ("", None)
        assert count == 0
    finally:
        bouncer.close()
        del connections["bouncer"]


@pytest.mark.django_db(transaction=True)
def test_iterator_server_side_cursors_see_the_scope_in_and_out_of_a_transaction():
    """`.iterator()` reads through a named cursor (WITH HOLD under autocommit): the scope must
    be written on a cursor of its own, or it is only DECLAREd and never set."""
    with cross_agency("test data"):
        agency = AgencyFactory()
        ClientFactory(agency=agency)
        ClientFactory(agency=AgencyFactory())
    with tenant_context(agency):
        assert len(list(Client.objects.iterator())) == 1
        with transaction.atomic():
            assert len(list(Client.objects.iterator(chunk_size=1))) == 1


@pytest.mark.django_db(transaction=True)
def test_an_agency_page_is_read_in_one_transaction_that_is_told_its_scope_once(monkeypatch):
    """Outside a transaction every statement brings a transaction of its own and says the
    scope again (four round trips each); a page read with GET is read in one."""
    from django.test import Client as Browser
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from apps.agencies.roles import Role

    with cross_agency("test data"):
        agency = AgencyFactory()
        owner = MembershipFactory(agency=agency, role=Role.OWNER)
        for n in range(3):
            ClientFactory(agency=agency, name=f"Client {n}")
    scopes_said = []
    original = DatabaseWrapper._apply_scope

    def counting(self, scope):
        scopes_said.append(scope)
        return original(self, scope)

    monkeypatch.setattr(DatabaseWrapper, "_apply_scope", counting)
    browser = Browser()
    browser.force_login(owner.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    url = reverse("clients", args=[agency.slug])
    browser.get(url)  # sessions, caches and the like warmed up
    scopes_said.clear()
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    assert b"Client 2" in response.content
    agency_statements = [q for q in queries.captured_queries if "clients_client" in q["sql"]]
    assert agency_statements
    # The page's own statements share the agency's scope, said once; the few before it
    # (session, membership) run in the person's scope.
    assert [s.agency for s in scopes_said].count(str(agency.pk)) == 1
    assert len(scopes_said) < len(queries.captured_queries) / 2
