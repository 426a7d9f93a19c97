"""Holdings: live balance reads for one wallet, stored readings, and the upsert both login and
sweeps use.

The upsert is keyed by (wallet, token) and never moves a holding back in time: a reading
from an older block than the stored one is ignored. A failed read keeps the stored balance
and marks the row stale, so nothing ever writes a balance that was not read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .. import amounts
from ..chain import abi, reader
from ..models import Holding, Token, Wallet
from .chains import chain_configs

UPSERT_ROWS = 500  # rows per INSERT: 8 parameters each, well under PostgreSQL's 65,535


@dataclass(frozen=True)
class Reading:
    """One balance read: `balance` None when the call failed or answered garbage."""

    token_id: int
    balance: int | None
    block_number: int | None
    error: str = ""


def read_live(*, address: str, tokens: Sequence[Token]) -> dict[int, Reading]:
    """Read `address`'s balance of every token now: one aggregate3 per chain.

    Raises ChainUnavailable when a chain cannot be reached (nothing is stored then). A token
    on a chain no longer configured reads as unknown.
    """
    by_chain: dict[int, list[Token]] = defaultdict(list)
    for token in tokens:
        by_chain[token.chain_id].append(token)
    holder = abi.balance_of(abi.address_bytes(address))
    configs = chain_configs()
    readings: dict[int, Reading] = {}
    for chain_id, chain_tokens in by_chain.items():
        config = configs.get(chain_id)
        if config is None:
            readings.update({t.pk: Reading(t.pk, None, None, "chain not configured") for t in chain_tokens})
            continue
        read = reader.read_calls(
            config.client(), [(abi.address_bytes(t.address), holder) for t in chain_tokens], multicall=config.multicall
        )
        for token, result in zip(chain_tokens, read.results, strict=True):
            balance = reader.decode_balance(result)
            error = "" if balance is not None else "balanceOf failed"
            readings[token.pk] = Reading(token.pk, balance, read.block_number, error)
    return readings


def holdings_summary(tokens: Sequence[Token], balances: dict[int, int | None]) -> tuple[dict[str, object], ...]:
    """What a login or refresh answers about the balances it decided on: per token, the raw
    balance and the human amount (both None when unknown)."""
    summary = []
    for token in sorted(tokens, key=lambda t: (t.chain_id, t.address)):
        balance = balances.get(token.pk)
        summary.append(
            {
                "chain_id": token.chain_id,
                "token_address": token.address,
                "symbol": token.symbol,
                "decimals": token.decimals,
                "balance": str(balance) if balance is not None else None,
                "amount": amounts.to_human(balance, token.decimals) if balance is not None else None,
            }
        )
    return tuple(summary)


def stored_balances(*, wallet: Wallet, tokens: Sequence[Token], now: datetime) -> dict[int, int | None]:
    """Balances read within TOKENGATE_HOLDINGS_MAX_AGE; tokens without one are left out."""
    fresh_since = now - timedelta(seconds=settings.TOKENGATE_HOLDINGS_MAX_AGE)
    rows = Holding.objects.filter(
        wallet=wallet, token__in=tokens, checked_at__gte=fresh_since, balance__isnull=False
    ).values_list("token_id", "balance")
    return {token_id: int(balance) for token_id, balance in rows if balance is not None}


def balances_for_refresh(*, wallet: Wallet, tokens: Sequence[Token], now: datetime) -> dict[int, int | None]:
    """Fresh stored balances, and live reads (stored) for the tokens without one."""
    balances = stored_balances(wallet=wallet, tokens=tokens, now=now)
    missing = [t for t in tokens if t.pk not in balances]
    if missing:
        readings = read_live(address=wallet.address, tokens=missing)
        holdings_store(wallet_id=wallet.pk, readings=readings.values(), now=now)
        balances.update({token_id: r.balance for token_id, r in readings.items()})
    return balances


def holdings_store(*, wallet_id: int, readings: Iterable[Reading], now: datetime | None = None) -> None:
    """Store one wallet's readings (several tokens)."""
    now = now or timezone.now()
    rows = [(wallet_id, r.token_id, r.balance, r.block_number, r.error) for r in readings]
    _upsert(rows, now)


def holdings_store_token(
    *, token_id: int, wallet_ids: Sequence[int], balances: Sequence[int | None], block_number: int, now: datetime
) -> None:
    """Store one token's readings for many wallets, all read at `block_number`."""
    rows = [
        (wallet_id, token_id, balance, block_number, "" if balance is not None else "balanceOf failed")
        for wallet_id, balance in zip(wallet_ids, balances, strict=True)
    ]
    _upsert(rows, now)


def holdings_mark_stale(*, token_id: int, wallet_ids: Sequence[int], error: str, now: datetime) -> None:
    """A read failed for these wallets: keep their balances, mark them stale."""
    _upsert([(wallet_id, token_id, None, None, error[:200]) for wallet_id in wallet_ids], now)


def _upsert(rows: Sequence[tuple[int, int, int | None, int | None, str]], now: datetime) -> None:
    known = [row for row in rows if row[2] is not None]
    failed = [row for row in rows if row[2] is None]
    for start in range(0, len(known), UPSERT_ROWS):
        _execute(known[start : start + UPSERT_ROWS], now, _KNOWN)
    for start in range(0, len(failed), UPSERT_ROWS):
        _execute(failed[start : start + UPSERT_ROWS], now, _FAILED)


_TABLE = Holding._meta.db_table
_COLUMNS = "wallet_id, token_id, balance, block_number, checked_at, attempted_at, stale, error"
# A newer (or same-block) reading replaces the row; an older one is dropped.
_KNOWN = (
    f"ON CONFLICT (wallet_id, token_id) DO UPDATE SET balance = excluded.balance, "
    f"block_number = excluded.block_number, checked_at = excluded.checked_at, "
    f"attempted_at = excluded.attempted_at, stale = excluded.stale, error = excluded.error "
    f"WHERE {_TABLE}.block_number IS NULL OR {_TABLE}.block_number <= excluded.block_number"
)
# A failed read touches only the bookkeeping: the balance and its block stay as they were.
_FAILED = (
    "ON CONFLICT (wallet_id, token_id) DO UPDATE SET attempted_at = excluded.attempted_at, "
    "stale = excluded.stale, error = excluded.error"
)


def _execute(rows: Sequence[tuple[int, int, int | None, int | None, str]], now: datetime, conflict: str) -> None:
    if not rows:
        return
    balance_field = Holding._meta.get_field("balance")
    when = Holding._meta.get_field("attempted_at").get_db_prep_value(now, connection)
    params: list[Any] = []
    for wallet_id, token_id, balance, block_number, error in rows:
        known = balance is not None
        params += [
            wallet_id,
            token_id,
            balance_field.get_db_prep_value(balance, connection),
            block_number,
            when if known else None,
            when,
            not known,
            error,
        ]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    sql = f"INSERT INTO {_TABLE} ({_COLUMNS}) VALUES {values} {conflict}"  # noqa: S608 (no user input)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
