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
        ("projects", "0004_unique_list_order_indexes"),
        ("scans", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="scan",
            index=models.Index(
                fields=["agency", "project", "-created_at", "-id"], name="scan_project_order"
            ),
        ),
        AddIndexConcurrently(
            model_name="scanfinding",
            index=models.Index(
                fields=["agency", "scan", "category", "rule_id", "path", "line", "id"],
                name="finding_scan_order",
            ),
        ),
        # The old index is a prefix of the new one: dropped once the new one is built.
        migrations.RemoveIndex(
            model_name="scan",
            name="scan_project_recent",
        ),
    ]
