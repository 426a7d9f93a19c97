"""`manage.py tokengate_refresh [--site SITE] [--chain ID]`: run a holdings sweep now, here."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...errors import ChainUnavailable
from ...services import sweep as sweeps

ATTEMPTS = 4
T = TypeVar("T")


class Command(BaseCommand):
    help = "Re-read every reader's balances now (what Celery beat starts every TOKENGATE_REFRESH_INTERVAL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", help="only this site (its public id, e.g. site_0123...)")
        parser.add_argument("--chain", type=int, help="only tokens on this chain id")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, site: str | None, chain: int | None, no_progress: bool, **options: Any) -> None:
        started = time.perf_counter()
        total = sweeps.sweep_count(site=site, chain_id=chain)
        show = not no_progress and sys.stderr.isatty()
        wallets: set[int] = set()
        calls = unknown = failed = 0
        blocks = self._retry(lambda: sweeps.sweep_blocks(site=site, chain_id=chain), "pinning the sweep's blocks")
        if blocks is None:
            raise CommandError("sweep stopped: a chain's latest block could not be read; nothing was changed")
        for chunk in sweeps.sweep_plan(site=site, chain_id=chain, blocks=blocks):
            wallets.update(chunk.wallet_ids)
            result = self._retry(partial(self._chunk, chunk), f"a chunk of {len(chunk.wallet_ids)} wallets")
            if result is None:
                failed += len(chunk.wallet_ids)
            else:
                calls += result.calls
                unknown += result.unknown
            if show:
                self._progress(calls + failed, total)
        if show:
            sys.stderr.write("\n")
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"swept {len(wallets)} wallets: {calls} calls, {unknown} unknown, {failed} failed "
            f"(holdings marked stale), {seconds:.2f} s"
        )
        if failed:
            raise CommandError(f"{failed} balance reads failed after {ATTEMPTS} attempts; holdings are marked stale")

    @staticmethod
    def _chunk(chunk: sweeps.Chunk) -> sweeps.ChunkResult:
        return sweeps.chunk_refresh(
            chain_id=chunk.chain_id,
            token_id=chunk.token_id,
            wallet_ids=chunk.wallet_ids,
            block_number=chunk.block_number,
        )

    def _retry(self, work: Callable[[], T], what: str) -> T | None:
        """`work`, retried with backoff and jitter on transient RPC errors; None if it kept failing."""
        for attempt in range(ATTEMPTS):
            try:
                return work()
            except ChainUnavailable as exc:
                if attempt == ATTEMPTS - 1:
                    self.stderr.write(f"{what} failed {ATTEMPTS} times: {exc.message}")
                    return None
                time.sleep(0.5 * 2**attempt * (1 + random.random()))  # noqa: S311 (jitter, not security)
        return None

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} balances")
        sys.stderr.flush()
