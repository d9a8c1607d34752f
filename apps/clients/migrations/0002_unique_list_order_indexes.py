# The sort key of each cursor-paginated list, unique (its fields, the primary key last),
# indexed so a page is one index range scan (issue 11). Added concurrently on PostgreSQL:
# the tables are big and take writes.

from django.db import migrations, models

from apps.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("agencies", "0004_unique_list_order_indexes"),
        ("clients", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="client",
            index=models.Index(fields=["agency", "name", "id"], name="client_agency_order"),
        ),
    ]
