"""Sweeps: re-read the balances of every reader who may still refresh, in chunks.

A sweep pins one block per chain, then streams (token, wallet ids) chunks of at most
TOKENGATE_SWEEP_CHUNK wallets (never more than 500 calls): the planner never holds all
holders in memory, and each chunk is an independent, idempotent unit of work (a Celery task,
or a loop iteration in `manage.py tokengate_refresh`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from ..chain import reader
from ..errors import ChainUnavailable
from ..models import RefreshSession, Token, Wallet
from . import holdings
from .chains import chain_configs

MAX_CHUNK = 500


@dataclass(frozen=True)
class Chunk:
    chain_id: int
    token_id: int
    wallet_ids: list[int]
    block_number: int


@dataclass(frozen=True)
class ChunkResult:
    calls: int
    unknown: int  # calls that failed or answered garbage: holdings marked stale


def chunk_size() -> int:
    return max(1, min(MAX_CHUNK, settings.TOKENGATE_SWEEP_CHUNK))


def swept_tokens(*, site: str | None = None, chain_id: int | None = None) -> QuerySet[Token]:
    """Tokens some active site's gates require, on an enabled chain."""
    tokens = Token.objects.filter(requirements__gate__site__is_active=True, chain_id__in=list(chain_configs()))
    if site is not None:
        tokens = tokens.filter(requirements__gate__site__public_id=site)
    if chain_id is not None:
        tokens = tokens.filter(chain_id=chain_id)
    return tokens.distinct().order_by("chain_id", "pk")


def readers(*, token: Token, site: str | None, now: datetime) -> QuerySet[RefreshSession]:
    """Live sessions on sites whose gates use `token`: the wallets whose next refresh needs it."""
    sessions = RefreshSession.objects.filter(
        site__gates__requirements__token=token,
        site__is_active=True,
        rotated_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if site is not None:
        sessions = sessions.filter(site__public_id=site)
    return sessions


def sweep_blocks(*, site: str | None = None, chain_id: int | None = None) -> dict[int, int]:
    """Pin the sweep: the latest block of every chain it reads (raises ChainUnavailable)."""
    configs = chain_configs()
    chain_ids = set(swept_tokens(site=site, chain_id=chain_id).values_list("chain_id", flat=True))
    return {cid: reader.block_number(configs[cid].client()) for cid in sorted(chain_ids)}


def sweep_plan(
    *,
    site: str | None = None,
    chain_id: int | None = None,
    blocks: dict[int, int] | None = None,
    now: datetime | None = None,
) -> Iterator[Chunk]:
    """Stream the chunks of a sweep at `blocks` (pinned now when not given)."""
    now = now or timezone.now()
    blocks = blocks if blocks is not None else sweep_blocks(site=site, chain_id=chain_id)
    size = chunk_size()
    for token in swept_tokens(site=site, chain_id=chain_id).iterator():
        if token.chain_id not in blocks:
            continue  # a chain enabled after the sweep was pinned: the next sweep reads it
        wallet_ids = (
            readers(token=token, site=site, now=now)
            .values_list("wallet_id", flat=True)
            .distinct()
            .order_by("wallet_id")
            .iterator(chunk_size=max(size, 2000))
        )
        batch: list[int] = []
        for wallet_id in wallet_ids:
            batch.append(wallet_id)
            if len(batch) == size:
                yield Chunk(token.chain_id, token.pk, batch, blocks[token.chain_id])
                batch = []
        if batch:
            yield Chunk(token.chain_id, token.pk, batch, blocks[token.chain_id])


def sweep_count(*, site: str | None = None, chain_id: int | None = None, now: datetime | None = None) -> int:
    """How many balance reads a sweep makes (for a progress bar)."""
    now = now or timezone.now()
    return sum(
        readers(token=token, site=site, now=now).values("wallet_id").distinct().count()
        for token in swept_tokens(site=site, chain_id=chain_id)
    )


def chunk_refresh(*, chain_id: int, token_id: int, wallet_ids: list[int], block_number: int) -> ChunkResult:
    """Read and store one chunk's balances at the pinned block. Safe to run twice.

    On ChainUnavailable the chunk's holdings are marked stale (balances kept) and the error
    is raised again for the caller to retry.
    """
    now = timezone.now()
    token = Token.objects.filter(pk=token_id).first()
    config = chain_configs().get(chain_id)
    if token is None or config is None or token.chain_id != chain_id:
        return ChunkResult(calls=0, unknown=0)  # deleted or disabled since the sweep was planned
    wallets = list(Wallet.objects.filter(pk__in=wallet_ids).order_by("pk").values_list("pk", "address"))
    ids = [pk for pk, _ in wallets]
    try:
        balances, block = reader.read_balances(
            config.client(),
            token=token.address,
            holders=[address for _, address in wallets],
            multicall=config.multicall,
            block=block_number,
        )
    except ChainUnavailable as exc:
        holdings.holdings_mark_stale(token_id=token.pk, wallet_ids=ids, error=exc.message, now=now)
        raise
    holdings.holdings_store_token(token_id=token.pk, wallet_ids=ids, balances=balances, block_number=block, now=now)
    return ChunkResult(calls=len(ids), unknown=sum(1 for b in balances if b is None))
