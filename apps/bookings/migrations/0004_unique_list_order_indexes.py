# The sort key of each cursor-paginated list, unique (its fields, the primary key last),
# indexed so a page is one index range scan (issue 11). Added concurrently on PostgreSQL:
# the tables are big and take writes.

from django.conf import settings
from django.db import migrations, models

from apps.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("agencies", "0004_unique_list_order_indexes"),
        ("bookings", "0003_email_confirmed_holds"),
        ("clients", "0002_unique_list_order_indexes"),
        ("projects", "0004_unique_list_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="booking",
            index=models.Index(fields=["agency", "start", "id"], name="booking_agency_order"),
        ),
        AddIndexConcurrently(
            model_name="consultationtype",
            index=models.Index(fields=["agency", "name", "id"], name="offer_agency_order"),
        ),
    ]
