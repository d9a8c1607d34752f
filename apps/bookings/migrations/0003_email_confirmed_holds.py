# Abuse limits (issue 10): an agency may ask bookers to confirm by email. A booking is then a
# hold (status "pending", with its expiry) until the booker clicks the emailed link; the
# exclusion constraint of 0002 now keeps holds apart from confirmed bookings too, so a held
# time cannot be booked twice while its booker confirms. Expired holds are deleted (by the
# booking service before it takes their time, and by a beat task), which frees the time.

from django.db import migrations, models

from apps.core.migration_operations import RunSQLOnPostgreSQL


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_no_double_booking"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="confirmation_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="booking",
            name="hold_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="bookingpolicy",
            name="confirm_by_email",
            field=models.BooleanField(
                default=False,
                help_text="Hold a new booking only briefly until the booker confirms it from the link we email them; an unconfirmed hold expires and frees the time.",
            ),
        ),
        migrations.AlterField(
            model_name="booking",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Awaiting the booker's confirmation"),
                    ("confirmed", "Confirmed"),
                    ("cancelled", "Cancelled"),
                    ("no_show", "No-show"),
                ],
                default="confirmed",
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="bookingevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("confirmed", "Confirmed by the booker from the emailed link"),
                    ("rescheduled", "Rescheduled"),
                    ("cancelled", "Cancelled"),
                    ("no_show", "Marked as no-show"),
                    ("converted", "Turned into a client and engagement"),
                ],
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "pending"), _negated=True),
                    ("hold_expires_at__isnull", False),
                    _connector="OR",
                ),
                name="booking_hold_expires",
            ),
        ),
        RunSQLOnPostgreSQL(
            sql="""
                ALTER TABLE bookings_booking DROP CONSTRAINT booking_no_overlap;
                ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap
                EXCLUDE USING gist (
                    host_id WITH =,
                    tstzrange(blocked_start, blocked_end, '[)') WITH &&
                ) WHERE (status IN ('confirmed', 'pending'));
            """,
            reverse_sql="""
                DELETE FROM bookings_booking WHERE status = 'pending';
                ALTER TABLE bookings_booking DROP CONSTRAINT booking_no_overlap;
                ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap
                EXCLUDE USING gist (
                    host_id WITH =,
                    tstzrange(blocked_start, blocked_end, '[)') WITH &&
                ) WHERE (status = 'confirmed');
            """,
        ),
    ]
