"""Re-encrypt every saved repository token with the newest key in SCAN_TOKEN_KEYS."""

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.scans import crypto
from apps.scans.models import RepositoryAccess


class Command(BaseCommand):
    help = (
        "Re-encrypt repository tokens with the first key of SCAN_TOKEN_KEYS; run after adding "
        "a new key in front, before removing the old one."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        rotated = 0
        # Platform-wide maintenance, not tenant work: every agency's rows on purpose.
        for access in RepositoryAccess.objects.select_for_update().iterator():
            access.token_encrypted = crypto.rotate(access.token_encrypted)
            access.save(update_fields=["token_encrypted", "updated_at"])
            rotated += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} repository token(s)."))
