"""The chains this service reads: TOKENGATE_CHAINS, overridden and extended by Chain rows.

A Chain row with a configured chain id overrides its name, multicall address and (when it
lists any) RPC URLs, and can disable it; a row for another chain id adds that chain. The
merged view is cached per process for a few seconds, since every login asks for it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings

from ..chain.rpc import RpcClient
from ..errors import ChainUnsupported
from ..models import MULTICALL3_ADDRESS, Chain

KNOWN_NAMES = {
    1: "Ethereum",
    10: "Optimism",
    137: "Polygon",
    8453: "Base",
    42161: "Arbitrum One",
    31337: "Local dev chain",
}
CACHE_SECONDS = 10.0

_lock = threading.Lock()
_cache: tuple[float, object, dict[int, ChainConfig]] | None = None


@dataclass(frozen=True)
class ChainConfig:
    chain_id: int
    name: str
    rpc_urls: tuple[str, ...]
    multicall: str | None  # None: read with JSON-RPC batches

    def client(self) -> RpcClient:
        return RpcClient(self.rpc_urls, chain_id=self.chain_id, timeout=settings.TOKENGATE_RPC_TIMEOUT)


def _load() -> dict[int, ChainConfig]:
    chains = {
        chain_id: ChainConfig(chain_id, KNOWN_NAMES.get(chain_id, f"Chain {chain_id}"), urls, MULTICALL3_ADDRESS)
        for chain_id, urls in settings.TOKENGATE_CHAINS.items()
    }
    for row in Chain.objects.all():
        base = chains.get(row.chain_id)
        urls = tuple(str(url) for url in row.rpc_urls) or (base.rpc_urls if base else ())
        if not row.enabled or not urls:
            chains.pop(row.chain_id, None)
            continue
        chains[row.chain_id] = ChainConfig(row.chain_id, row.name, urls, row.multicall_address or None)
    return dict(sorted(chains.items()))


def chain_configs() -> dict[int, ChainConfig]:
    """Every enabled chain, by chain id."""
    global _cache
    configured = settings.TOKENGATE_CHAINS
    with _lock:
        if _cache is None or _cache[1] != configured or time.monotonic() - _cache[0] > CACHE_SECONDS:
            _cache = (time.monotonic(), dict(configured), _load())
        return _cache[2]


def chains_changed() -> None:
    """Forget the cached view (after an admin change in this process; others see it within seconds)."""
    global _cache
    with _lock:
        _cache = None


def chain_get(chain_id: int) -> ChainConfig:
    """An enabled chain, or ChainUnsupported."""
    config = chain_configs().get(chain_id)
    if config is None:
        raise ChainUnsupported(f"Chain {chain_id} is not configured on this service.", field="chain_id")
    return config
