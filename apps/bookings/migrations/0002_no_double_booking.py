# No double booking, enforced by PostgreSQL: two confirmed bookings of one host may not have
# overlapping blocked ranges (meeting plus buffers). btree_gist lets the host's id (equality)
# sit in the same GiST index as the time range (overlap). On SQLite the booking service
# serialises check-and-insert in an IMMEDIATE transaction instead.

from django.db import migrations

from apps.core.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
    ]

    operations = [
        RunSQLOnPostgreSQL(
            sql="CREATE EXTENSION IF NOT EXISTS btree_gist;",
            reverse_sql=migrations.RunSQL.noop,
        ),
        RunSQLOnPostgreSQL(
            sql="""
                ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap
                EXCLUDE USING gist (
                    host_id WITH =,
                    tstzrange(blocked_start, blocked_end, '[)') WITH &&
                ) WHERE (status = 'confirmed');
            """,
            reverse_sql="ALTER TABLE bookings_booking DROP CONSTRAINT booking_no_overlap;",
        ),
    ]
