"""Sites and their API keys."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.db import connection, transaction

from ..errors import InvalidRequest, InvalidSiteKey
from ..models import Site

KEY_PREFIX = "tgsk"
_KEY = re.compile(rf"{KEY_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
# A host name (or IPv4/bracketed IPv6) with an optional port, as it appears in a SIWE domain line.
_DOMAIN = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?"
)


def _hash_secret(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is enough: nothing can be guessed offline,
    # and a slow hash would cost every API request.
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def new_key() -> tuple[str, str, str]:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{KEY_PREFIX}_{key_id}_{secret}", key_id, _hash_secret(secret)


def normalise_domains(domains: list[str]) -> list[str]:
    """Lowercase, validate and de-duplicate the domains a site's readers sign in on."""
    result: list[str] = []
    for raw in domains:
        domain = raw.strip().lower()
        if not _DOMAIN.fullmatch(domain) or len(domain) > 253:
            raise InvalidRequest(f"{raw!r} is not a host name with an optional :port.", field="domains")
        if domain not in result:
            result.append(domain)
    if not result:
        raise InvalidRequest("A site needs at least one domain.", field="domains")
    return result


def site_create(*, name: str, domains: list[str]) -> tuple[Site, str]:
    """Create a site; returns it with its API key, which is not stored and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidRequest("A site needs a name of 1 to 200 characters.", field="name")
    api_key, key_id, key_hash = new_key()
    site = Site.objects.create(name=name, domains=normalise_domains(domains), api_key_id=key_id, api_key_hash=key_hash)
    return site, api_key


def site_rotate_key(*, site: Site) -> str:
    """Replace the site's API key; the old key stops working at once."""
    api_key, key_id, key_hash = new_key()
    with transaction.atomic():
        Site.objects.filter(pk=site.pk).update(api_key_id=key_id, api_key_hash=key_hash)
    site.api_key_id, site.api_key_hash = key_id, key_hash
    return api_key


def _active_site_by_key_id(key_id: str) -> Site | None:
    """The active site whose API key has this id (the column is unique, so at most one).

    Every API request makes this lookup. The ORM's `filter(...).first()` spends ~0.6 ms of CPU
    building and compiling the SELECT each time, several times what the query itself costs;
    a raw query returns the same Site, with every field converted the way the ORM does it, for
    under half of that (docs/architecture.md, "Performance").
    """
    table = connection.ops.quote_name(Site._meta.db_table)
    query = f"SELECT * FROM {table} WHERE api_key_id = %s AND is_active = %s"  # noqa: S608 (no input in the SQL)
    return next(iter(Site.objects.raw(query, [key_id, True])), None)


def site_authenticate(*, api_key: str) -> Site:
    """The active site this key belongs to, compared in constant time, else InvalidSiteKey."""
    match = _KEY.fullmatch(api_key)
    if not match:
        raise InvalidSiteKey()
    site = _active_site_by_key_id(match.group(1))
    # Compare against a dummy hash when the id is unknown, so timing tells nothing either way.
    expected = site.api_key_hash if site else "0" * 64
    if not hmac.compare_digest(expected, _hash_secret(match.group(2))) or site is None:
        raise InvalidSiteKey()
    return site
