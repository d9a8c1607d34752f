"""Deprecated alias of `rotate_keys`: repository tokens share the one key ring, and one
rotation re-encrypts everything on it."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Deprecated: runs `manage.py rotate_keys`, which re-encrypts everything at rest."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.write(
            self.style.WARNING("rotate_scan_tokens is deprecated; running rotate_keys instead.")
        )
        call_command(
            "rotate_keys", verbosity=options["verbosity"], stdout=self.stdout, stderr=self.stderr
        )
