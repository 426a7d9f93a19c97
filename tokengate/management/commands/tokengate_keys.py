"""Manage access-token signing keys: `list`, `rotate`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ...models import SigningKey
from ...services.keys import active_signing_key, published_keys, signing_key_rotate


class Command(BaseCommand):
    help = "List signing keys, or rotate to a new one (old keys stay published until their tokens expire)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List signing keys and whether the JWKS publishes them.")
        sub.add_parser("rotate", help="Start signing with a new key.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            key = signing_key_rotate()
            self.stdout.write(f"New active key: {key.kid}")
            return
        if not SigningKey.objects.exists():
            active_signing_key()
        published = published_keys(now=timezone.now())
        for key in SigningKey.objects.all():
            retired = f"  retired {key.retired_at:%Y-%m-%d %H:%M:%S}" if key.retired_at else ""
            shown = "in JWKS" if key.kid in published else "not published"
            self.stdout.write(
                f"{key.kid}  {key.status:<7}  created {key.created_at:%Y-%m-%d %H:%M:%S}{retired}  {shown}"
            )
