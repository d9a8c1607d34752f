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
        ("clients", "0002_unique_list_order_indexes"),
        ("projects", "0003_project_scan_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="assignment",
            index=models.Index(
                fields=["agency", "project", "created_at", "id"], name="assignment_project_order"
            ),
        ),
        AddIndexConcurrently(
            model_name="project",
            index=models.Index(
                fields=["agency", "-created_at", "-id"], name="project_agency_order"
            ),
        ),
    ]
