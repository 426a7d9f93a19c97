"""Sign-In-With-Ethereum login: nonces and the login rules of docs/architecture.md."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import siwe
from ..errors import (
    ChainUnsupported,
    DomainMismatch,
    InvalidMessage,
    InvalidSignature,
    IssuedAtInvalid,
    MessageExpired,
    MessageNotYetValid,
    NonceExpired,
    NonceUnknown,
    NonceUsed,
    UriMismatch,
)
from ..gates import GateDecision, decide, site_rules
from ..models import Nonce, Site, Wallet
from . import holdings
from .chains import chain_configs
from .keys import access_token_issue
from .sessions import IssuedTokens, session_start


def nonce_issue(*, site: Site, now: datetime | None = None) -> Nonce:
    """A fresh nonce (128 random bits, alphanumeric as EIP-4361 requires) for this site."""
    now = now or timezone.now()
    return Nonce.objects.create(
        value=secrets.token_hex(16),
        site=site,
        issued_at=now,
        expires_at=now + timedelta(seconds=settings.TOKENGATE_NONCE_TTL),
    )


def _nonce_check(*, site: Site, value: str, now: datetime) -> None:
    """Refuse an unusable nonce before reading the chain; consumption stays atomic (below)."""
    row = Nonce.objects.filter(value=value, site=site).values_list("used_at", "expires_at").first()
    if row is None:
        raise NonceUnknown()  # also a nonce issued for another site: its existence is not told
    used_at, expires_at = row
    if used_at is not None:
        raise NonceUsed()
    if expires_at <= now:
        raise NonceExpired()


def _nonce_consume(*, site: Site, value: str, now: datetime) -> None:
    """Mark the nonce used with one conditional UPDATE: of concurrent logins, one wins."""
    if Nonce.objects.filter(value=value, site=site, used_at__isnull=True, expires_at__gt=now).update(used_at=now):
        return
    _nonce_check(site=site, value=value, now=now)  # says why: unknown, used or expired
    raise NonceUsed()  # usable a moment ago: a concurrent login consumed it first


def check_message(*, site: Site, message: str, signature: str, now: datetime) -> siwe.SiweLogin:
    """Every login rule except the nonce; returns the parsed message."""
    login = siwe.parse_message(message, max_bytes=settings.TOKENGATE_SIWE_MAX_BYTES)
    if siwe.recover_signer(message, signature) != login.address:
        raise InvalidSignature()
    domain = login.domain.lower()
    if domain not in site.domains:
        raise DomainMismatch()
    if not siwe.uri_matches_domain(login.uri, domain):
        raise UriMismatch()
    if login.version != "1":
        raise InvalidMessage("Only EIP-4361 version 1 is supported.")
    if login.chain_id not in chain_configs():
        raise ChainUnsupported(f"Chain {login.chain_id} is not configured on this service.")
    skew = timedelta(seconds=settings.TOKENGATE_CLOCK_SKEW)
    if login.issued_at > now + skew:
        raise IssuedAtInvalid("The message's Issued At is in the future.")
    if login.issued_at < now - timedelta(seconds=settings.TOKENGATE_NONCE_TTL) - skew:
        raise IssuedAtInvalid("The message's Issued At is older than a nonce lives.")
    if login.expiration_time is not None and now >= login.expiration_time:
        raise MessageExpired()
    if login.not_before is not None and now + skew < login.not_before:
        raise MessageNotYetValid()
    return login


def login(*, site: Site, message: str, signature: str, now: datetime | None = None) -> IssuedTokens:
    """Check a signed SIWE message and start a session.

    Balances are read live before anything is written; the nonce is consumed in the same
    transaction that stores the holdings and the session, so a failure anywhere (an RPC that
    is down included) leaves the nonce unused and nothing half-written.
    """
    now = now or timezone.now()
    checked = check_message(site=site, message=message, signature=signature, now=now)
    gate_set_version = site.gate_set_version  # read before the rules, so the rules are never older
    rules, tokens = site_rules(site)
    readings: dict[int, holdings.Reading] = {}
    if tokens:
        _nonce_check(site=site, value=checked.nonce, now=now)  # a replay must not cost a chain read
        readings = holdings.read_live(address=checked.address, tokens=tokens)
    with transaction.atomic():
        _nonce_consume(site=site, value=checked.nonce, now=now)
        wallet, _ = Wallet.objects.get_or_create(address=checked.address)
        holdings.holdings_store(wallet_id=wallet.pk, readings=readings.values(), now=now)
        slugs = decide(rules, {token_id: r.balance for token_id, r in readings.items()})
        decision = GateDecision(slugs=slugs, gate_set_version=gate_set_version)
        refresh_token, refresh_ttl = session_start(site=site, wallet=wallet, now=now)
        access_token, access_ttl = access_token_issue(site=site, address=wallet.address, decision=decision, now=now)
    return IssuedTokens(
        access_token=access_token,
        expires_in=access_ttl,
        refresh_token=refresh_token,
        refresh_expires_in=refresh_ttl,
        address=wallet.address,
        gates=decision.slugs,
        gate_set_version=decision.gate_set_version,
        holdings=holdings.holdings_summary(tokens, {token_id: r.balance for token_id, r in readings.items()}),
    )
