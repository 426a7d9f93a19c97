"""Pytest fixtures for a real local chain (anvil, installed by `npm ci`).

Load them from tests/conftest.py with ``pytest_plugins = ["tests.chain_fixtures"]``.

- ``devchain`` (session): one anvil, chain id 31337, our Multicall at Multicall3's address.
  Tests share it: deploy your own token (``chain.deploy_token(...)``, ~10 ms) instead of
  relying on state other tests left, or take ``devchain_snapshot`` to undo your changes.
- ``devchain_snapshot``: ``devchain``, reverted to its state before the test afterwards.
- ``devchain_factory``: ``start(chain_id, **options) -> DevChain`` for extra chains; all are
  stopped when the test ends.
- ``demo_token``: a fresh DemoToken (6 decimals, owned by account 0) on ``devchain``.

Without anvil they skip with instructions locally and fail under CI=true (``require``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tokengate.chain.devchain import DevChain, anvil_path

HOW_TO_GET_ANVIL = "run `npm ci` in the repository root (installs @foundry-rs/anvil), or set TOKENGATE_ANVIL"


def require_anvil() -> None:
    # Imported here, not at the top: this plugin may be loaded before conftest is importable.
    from tests.conftest import require

    try:
        anvil_path()
    except FileNotFoundError:
        require(False, "anvil", HOW_TO_GET_ANVIL)


@pytest.fixture(scope="session")
def devchain() -> Iterator[DevChain]:
    require_anvil()
    with DevChain.start(chain_id=31337) as chain:
        chain.install_multicall()
        yield chain


@pytest.fixture
def devchain_snapshot(devchain: DevChain) -> Iterator[DevChain]:
    snapshot = devchain.snapshot()
    yield devchain
    devchain.revert(snapshot)


@pytest.fixture
def devchain_factory() -> Iterator[Callable[..., DevChain]]:
    require_anvil()
    started: list[DevChain] = []

    def start(chain_id: int, **options: Any) -> DevChain:
        chain = DevChain.start(chain_id=chain_id, **options)
        started.append(chain)
        return chain

    yield start
    for chain in started:
        chain.stop()


@pytest.fixture
def demo_token(devchain: DevChain) -> str:
    return devchain.deploy_token("Demo Token", "DEMO", 6)
