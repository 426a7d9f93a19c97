"""Manage sites: `add`, `list`, `rotate-key`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...errors import TokenGateError
from ...models import Site
from ...services.sites import site_create, site_rotate_key


class Command(BaseCommand):
    help = "Create sites, list them, and rotate their API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create a site and print its API key (shown once).")
        add.add_argument("--name", required=True)
        add.add_argument("--domain", action="append", required=True, help="host[:port] readers sign in on; repeatable")
        add.add_argument("--json", action="store_true", help='print {"site_id": ..., "api_key": ...}')
        listing = sub.add_parser("list", help="List sites.")
        listing.add_argument("--json", action="store_true")
        rotate = sub.add_parser("rotate-key", help="Replace a site's API key; the old one stops working.")
        rotate.add_argument("site_id")
        rotate.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except TokenGateError as exc:
            raise CommandError(exc.message) from None

    def _add(self, options: dict[str, Any]) -> None:
        site, api_key = site_create(name=options["name"], domains=options["domain"])
        self._print_key(site, api_key, options["json"])

    def _rotate_key(self, options: dict[str, Any]) -> None:
        site = Site.objects.filter(public_id=options["site_id"]).first()
        if site is None:
            raise CommandError(f"No site with id {options['site_id']!r}; `tokengate_site list` shows them.")
        self._print_key(site, site_rotate_key(site=site), options["json"])

    def _list(self, options: dict[str, Any]) -> None:
        rows = [
            {
                "site_id": s.public_id,
                "name": s.name,
                "domains": s.domains,
                "gate_set_version": s.gate_set_version,
                "active": s.is_active,
            }
            for s in Site.objects.all()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        if not rows:
            self.stdout.write("No sites yet: python manage.py tokengate_site add --name NAME --domain HOST")
        for row in rows:
            state = "" if row["active"] else "  (inactive)"
            self.stdout.write(f"{row['site_id']}  {row['name']}  {', '.join(row['domains'])}{state}")

    def _print_key(self, site: Site, api_key: str, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"site_id": site.public_id, "api_key": api_key}))
            return
        self.stdout.write(f"site id:  {site.public_id}")
        self.stdout.write(f"API key:  {api_key}")
        self.stdout.write("The key is shown only now; store it in the site's Token Gate settings.")
