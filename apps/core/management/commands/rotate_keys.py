"""Re-encrypt every column registered with apps.core.crypto with the newest key of
ENCRYPTION_KEYS, so that older keys can be removed afterwards."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core import crypto
from apps.core.tenancy import cross_agency

# Rows are locked and rewritten a batch at a time: a sign-in that needs one of them waits
# for one batch, never for the whole table.
BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt everything encrypted at rest (repository tokens, two-factor secrets) with "
        "the first key of ENCRYPTION_KEYS; run after adding a new key in front, before "
        "removing the old one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            crypto.ring()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        unreadable = 0
        # Platform maintenance, not tenant work: every agency's rows, on the named path.
        with cross_agency("key rotation"):
            for column in crypto.encrypted_columns():
                rotated, failed = self._rotate(column)
                unreadable += len(failed)
                for pk in failed:
                    self.stderr.write(f"{column}: row {pk} cannot be read with any key.")
                self.stdout.write(f"{column}: re-encrypted {rotated} row(s).")
        if unreadable:
            raise CommandError(
                f"{unreadable} value(s) could not be read with any key in ENCRYPTION_KEYS and "
                "were left as they were (listed above); every other value now uses the first "
                "key."
            )
        self.stdout.write(self.style.SUCCESS("Every encrypted value uses the first key."))

    def _rotate(self, column: crypto.EncryptedColumn) -> tuple[int, list[object]]:
        model = apps.get_model(column.model)
        rows = model._base_manager.order_by("pk")
        rotated, failed = 0, []
        last = None
        while True:
            with transaction.atomic():
                batch = rows.select_for_update()
                if last is not None:
                    batch = batch.filter(pk__gt=last)
                values = list(batch.values_list("pk", column.field)[:BATCH_SIZE])
                for pk, value in values:
                    try:
                        new = column.map(value, crypto.rotate)
                    except crypto.InvalidToken:
                        failed.append(pk)
                        continue
                    if new != value:
                        rows.filter(pk=pk).update(**{column.field: new})
                        rotated += 1
            if len(values) < BATCH_SIZE:
                return rotated, failed
            last = values[-1][0]
