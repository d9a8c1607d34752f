# An index for overdue lists; built concurrently because checklist items are the biggest table.

from django.db import migrations, models

from apps.core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("checklists", "0002_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="projectitem",
            index=models.Index(
                condition=models.Q(
                    ("retired_at__isnull", True), ("status__in", ["todo", "in_progress"])
                ),
                fields=["agency", "due_date"],
                name="item_open_due",
            ),
        ),
    ]
