"""Celery tasks: the periodic sweep and its chunks. Tasks take ids, re-read their rows, and are
safe to run twice; transient RPC failures retry with exponential backoff and jitter, up to a
limit; anything else is not retried."""

from __future__ import annotations

import logging

from celery import shared_task

from .errors import ChainUnavailable
from .services import sweep as sweeps
from .services.housekeeping import purge_expired

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (ChainUnavailable,),
    "retry_backoff": 2,  # 2, 4, 8, ... seconds
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(  # type: ignore[untyped-decorator]
    name="tokengate.sweep", soft_time_limit=240, time_limit=300, **RETRY
)
def sweep(site: str | None = None, chain_id: int | None = None) -> int:
    """Plan a sweep and queue its chunks; returns how many chunks (or per-chain sweeps) were queued.

    Without a chain id it fans out one sweep per chain, so a chain whose RPC is down retries on
    its own and does not hold back the others.
    """
    if chain_id is None:
        chain_ids = sorted(set(sweeps.swept_tokens(site=site).values_list("chain_id", flat=True)))
        for one in chain_ids:
            sweep.delay(site=site, chain_id=one)
        return len(chain_ids)
    queued = 0
    for chunk in sweeps.sweep_plan(site=site, chain_id=chain_id):
        refresh_chunk.delay(chunk.chain_id, chunk.token_id, chunk.wallet_ids, chunk.block_number)
        queued += 1
    logger.info("sweep queued", extra={"chunks": queued, "site": site, "chain_id": chain_id})
    return queued


@shared_task(  # type: ignore[untyped-decorator]
    name="tokengate.refresh_chunk", soft_time_limit=60, time_limit=90, acks_late=True, **RETRY
)
def refresh_chunk(chain_id: int, token_id: int, wallet_ids: list[int], block_number: int) -> dict[str, int]:
    """Read and store one chunk of balances."""
    result = sweeps.chunk_refresh(
        chain_id=chain_id, token_id=token_id, wallet_ids=wallet_ids, block_number=block_number
    )
    return {"calls": result.calls, "unknown": result.unknown}


@shared_task(name="tokengate.purge", soft_time_limit=240, time_limit=300)  # type: ignore[untyped-decorator]
def purge() -> dict[str, int]:
    """Delete used or expired nonces and long-ended sessions (what `manage.py tokengate_purge` does)."""
    purged = purge_expired()
    return {"nonces": purged.nonces, "sessions": purged.sessions}
