"""Access-token signing keys: creation, rotation, the JWKS, and issuing access tokens."""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .. import tokens
from ..errors import ServiceUnavailable
from ..gates import GateDecision
from ..models import SigningKey, Site

logger = logging.getLogger(__name__)
_private_keys: dict[str, Ed25519PrivateKey] = {}  # kid -> decrypted key, per process
_lock = threading.Lock()


def _retention() -> timedelta:
    """How long a retired key stays published: until every token it signed has expired."""
    return timedelta(seconds=settings.TOKENGATE_ACCESS_TTL + settings.TOKENGATE_CLOCK_SKEW)


def _create_key(now: datetime) -> SigningKey:
    private_key = tokens.generate_private_key()
    public_key = private_key.public_key()
    kid = tokens.key_id(public_key)
    sealed = tokens.seal_private_key(private_key, secret=settings.TOKENGATE_KEY_ENCRYPTION_KEY, kid=kid)
    return SigningKey.objects.create(
        kid=kid,
        public_key=tokens.public_key_bytes(public_key),
        sealed_private_key=sealed,
        status=SigningKey.ACTIVE,
        created_at=now,
    )


def signing_key_rotate(*, now: datetime | None = None) -> SigningKey:
    """Retire the active key (it stays in the JWKS until its tokens expire) and start a new one."""
    now = now or timezone.now()
    with transaction.atomic():
        SigningKey.objects.filter(status=SigningKey.RETIRED, retired_at__lt=now - _retention()).delete()
        SigningKey.objects.select_for_update().filter(status=SigningKey.ACTIVE).update(
            status=SigningKey.RETIRED, retired_at=now
        )
        return _create_key(now)


def _select_active() -> tuple[str, bytes] | None:
    """The active key's kid and sealed private key, read from the database on every call.

    Every access token asks, so a rotation by another process takes effect at the next token.
    A plain cursor: the ORM spent ~0.5 ms of CPU building this two-column SELECT per token,
    several times the query itself (docs/architecture.md, "Performance").
    """
    table = connection.ops.quote_name(SigningKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kid, sealed_private_key FROM {table} WHERE status = %s", [SigningKey.ACTIVE])  # noqa: S608
        row = cursor.fetchone()  # at most one: the one_active_signing_key index
    return None if row is None else (str(row[0]), bytes(row[1]))


def _active_row(now: datetime | None) -> tuple[str, bytes]:
    """The active key's kid and sealed private key; the first call on a new database creates it."""
    row = _select_active()
    if row is None:
        try:
            with transaction.atomic():
                key = _create_key(now or timezone.now())
            row = (key.kid, bytes(key.sealed_private_key))
        except IntegrityError:  # another process created it first: use the winner's key
            row = _select_active()
            if row is None:
                raise
    return row


def active_signing_key(*, now: datetime | None = None) -> tuple[str, Ed25519PrivateKey]:
    """The kid and private key that sign new tokens."""
    kid, sealed = _active_row(now)
    cached = _private_keys.get(kid)
    if cached is None:
        try:
            cached = tokens.open_private_key(sealed, secret=settings.TOKENGATE_KEY_ENCRYPTION_KEY, kid=kid)
        except ValueError:
            logger.error(
                "signing key cannot be decrypted: was TOKENGATE_KEY_ENCRYPTION_KEY changed?", extra={"kid": kid}
            )
            raise ServiceUnavailable("The service cannot sign tokens; its operator has been told.") from None
        with _lock:
            _private_keys[kid] = cached
    return kid, cached


def published_keys(*, now: datetime | None = None) -> dict[str, Ed25519PublicKey]:
    """The active key and the retired keys whose tokens may still be valid, by kid."""
    now = now or timezone.now()
    rows = SigningKey.objects.filter(status=SigningKey.ACTIVE) | SigningKey.objects.filter(
        status=SigningKey.RETIRED, retired_at__gte=now - _retention()
    )
    return {row.kid: Ed25519PublicKey.from_public_bytes(bytes(row.public_key)) for row in rows.order_by("-created_at")}


def jwks(*, now: datetime | None = None) -> dict[str, list[dict[str, str]]]:
    """The JWKS document. Publishing starts before the first login, so a site can cache it."""
    _active_row(now)
    return {"keys": [tokens.public_jwk(kid, key) for kid, key in published_keys(now=now).items()]}


def access_token_issue(*, site: Site, address: str, decision: GateDecision, now: datetime) -> tuple[str, int]:
    """Sign an access token for `address` on `site`; returns the token and its lifetime in seconds."""
    ttl = settings.TOKENGATE_ACCESS_TTL
    issued = int(now.timestamp())
    claims = {
        "iss": settings.TOKENGATE_ISSUER,
        "aud": site.public_id,
        "sub": address,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl,
        "jti": secrets.token_urlsafe(16),
        "gates": list(decision.slugs),
        "gsv": decision.gate_set_version,
    }
    kid, private_key = active_signing_key(now=now)
    return tokens.encode_access_token(claims, private_key=private_key, kid=kid), ttl


def access_token_verify(token: str, *, site: Site, now: datetime | None = None) -> dict[str, object]:
    """Check a token with the published keys, as the plugin would (raises tokens.TokenRejected)."""
    now = now or timezone.now()
    return tokens.verify_access_token(
        token,
        keys=published_keys(now=now),
        audience=site.public_id,
        issuer=settings.TOKENGATE_ISSUER,
        now=now.timestamp(),
        leeway=settings.TOKENGATE_CLOCK_SKEW,
    )
