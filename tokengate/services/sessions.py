"""Refresh sessions: rotating refresh tokens, with reuse detection per login family."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..errors import RefreshInvalid, RefreshReused
from ..gates import GateDecision, decide, site_rules
from ..models import RefreshSession, Site, Wallet
from .holdings import balances_for_refresh, holdings_summary
from .keys import access_token_issue

TOKEN_PREFIX = "tgr_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class IssuedTokens:
    """What a login or a refresh hands back to the site."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    address: str
    gates: tuple[str, ...]
    gate_set_version: int
    # The balances the gates were decided on, for the reader's "you hold X, you need Y".
    holdings: tuple[dict[str, object], ...] = ()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def session_start(*, site: Site, wallet: Wallet, now: datetime, family: uuid.UUID | None = None) -> tuple[str, int]:
    """Store a new refresh token (hashed) and return it with its lifetime in seconds."""
    ttl = settings.TOKENGATE_REFRESH_TTL
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    RefreshSession.objects.create(
        site=site,
        wallet=wallet,
        family=family or uuid.uuid4(),
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    return token, ttl


def _family_revoke(*, family: uuid.UUID, now: datetime) -> None:
    RefreshSession.objects.filter(family=family, revoked_at__isnull=True).update(revoked_at=now)


def session_refresh(*, site: Site, refresh_token: str, now: datetime | None = None) -> IssuedTokens:
    """Exchange a refresh token for a new pair. A token used twice revokes its whole family."""
    now = now or timezone.now()
    session = RefreshSession.objects.select_related("wallet").filter(token_hash=_hash(refresh_token), site=site).first()
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        raise RefreshInvalid()
    decision = GateDecision(slugs=(), gate_set_version=site.gate_set_version)
    held: tuple[dict[str, object], ...] = ()
    if session.rotated_at is None:
        # Balances first, outside the transaction: a chain that is down fails the refresh with
        # 503 before anything rotates, and the reader's refresh token stays usable.
        rules, tokens = site_rules(site)
        balances = balances_for_refresh(wallet=session.wallet, tokens=tokens, now=now) if tokens else {}
        decision = GateDecision(slugs=decide(rules, balances), gate_set_version=decision.gate_set_version)
        held = holdings_summary(tokens, balances)
    with transaction.atomic():
        rotated = RefreshSession.objects.filter(pk=session.pk, rotated_at__isnull=True, revoked_at__isnull=True).update(
            rotated_at=now
        )
        if rotated:
            new_token, refresh_ttl = session_start(site=site, wallet=session.wallet, now=now, family=session.family)
            access_token, access_ttl = access_token_issue(
                site=site, address=session.wallet.address, decision=decision, now=now
            )
    if not rotated:
        # Already exchanged once: whoever holds the newer token may be a thief, or the thief
        # is here. Either way the family ends and the reader signs in again.
        with transaction.atomic():
            _family_revoke(family=session.family, now=now)
        raise RefreshReused()
    return IssuedTokens(
        access_token=access_token,
        expires_in=access_ttl,
        refresh_token=new_token,
        refresh_expires_in=refresh_ttl,
        address=session.wallet.address,
        gates=decision.slugs,
        gate_set_version=decision.gate_set_version,
        holdings=held,
    )


def session_revoke(*, site: Site, refresh_token: str, now: datetime | None = None) -> None:
    """Log out: end the family of this refresh token. Unknown tokens are ignored (idempotent)."""
    now = now or timezone.now()
    family = (
        RefreshSession.objects.filter(token_hash=_hash(refresh_token), site=site)
        .values_list("family", flat=True)
        .first()
    )
    if family is not None:
        _family_revoke(family=family, now=now)
