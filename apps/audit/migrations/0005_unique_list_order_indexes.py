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
        ("audit", "0004_issue10_verbs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["agency", "-created_at", "-id"], name="audit_agency_order"),
        ),
        # The old index is a prefix of the new one: dropped once the new one is built.
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_agency_created",
        ),
    ]
