"""Delete used or expired nonces and long-ended sessions (safe to run at any time)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ...services.housekeeping import purge_expired


class Command(BaseCommand):
    help = "Delete used or expired nonces and sessions that ended more than a week ago."

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_expired()
        self.stdout.write(f"Deleted {purged.nonces} nonces and {purged.sessions} sessions.")
