"""Load or upgrade the shared checklist catalog from the YAML files (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from apps.checklists.catalog import CatalogError, load_catalog


class Command(BaseCommand):
    help = "Load the checklist catalog files into the database; safe to run repeatedly."

    def handle(self, *args, **options):
        try:
            result = load_catalog()
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        if result.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Catalog v{result.version}: {result.items} items "
                    f"({result.added} added, {result.updated} updated, "
                    f"{result.retired} retired, {result.restored} restored)."
                )
            )
        else:
            self.stdout.write(f"Catalog v{result.version} is up to date ({result.items} items).")
