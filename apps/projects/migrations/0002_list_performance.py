# The open-item count kept on each engagement (filled in here for existing ones), and an
# index for the agency's most recent activity.

from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from apps.core.migration_operations import AddIndexConcurrently


def fill_open_items(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    ProjectItem = apps.get_model("checklists", "ProjectItem")
    open_count = (
        ProjectItem.objects.filter(
            project=OuterRef("pk"), retired_at__isnull=True, status__in=["todo", "in_progress"]
        )
        .order_by()
        .values("project")
        .annotate(n=Count("id"))
        .values("n")
    )
    Project.objects.update(
        open_items=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0))
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("checklists", "0003_list_performance"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="open_items",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(fill_open_items, migrations.RunPython.noop, elidable=True),
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(fields=["agency", "-created_at"], name="activity_agency_recent"),
        ),
    ]
