"""The local dev chain: anvil from npm, our contracts, and tokengate.chain.devchain."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_abi.abi import decode

from tests.conftest import require
from tokengate.chain.devchain import (
    MULTICALL3_ADDRESS,
    REPO_ROOT,
    DevChain,
    DevChainError,
    RpcError,
    anvil_path,
    artifact,
    balance_slot,
    encode_call,
)

AGGREGATE3 = "aggregate3((address,bool,bytes)[])"


def random_address() -> str:
    return "0x" + secrets.token_hex(20)


def test_artifacts_match_sources() -> None:
    node = shutil.which("node")
    require(node is not None, "node", "install Node.js 18 or newer")
    require((REPO_ROOT / "node_modules" / "solc").is_dir(), "solc (npm)", "run `npm ci` in the repository root")
    result = subprocess.run(
        [str(node), "scripts/compile_contracts.js", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_artifacts_are_complete() -> None:
    for name in ("DemoToken", "NoDecimalsToken", "Multicall"):
        compiled = artifact(name)
        assert list(compiled) == ["contract", "solc", "abi", "bytecode", "deployedBytecode"]
        assert compiled["contract"] == name
        assert compiled["solc"].startswith("0.8.")
        assert compiled["deployedBytecode"].startswith("0x") and len(compiled["deployedBytecode"]) > 100
    names = {item.get("name") for item in artifact("NoDecimalsToken")["abi"]}
    assert {"balanceOf", "totalSupply", "name", "symbol"} <= names
    assert "decimals" not in names


def test_anvil_path_prefers_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("")
    monkeypatch.setenv("TOKENGATE_ANVIL", str(fake))
    assert anvil_path() == fake
    monkeypatch.setenv("TOKENGATE_ANVIL", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError):
        anvil_path()


def test_anvil_path_is_the_binary_not_the_node_wrapper(devchain: DevChain) -> None:
    path = anvil_path()
    assert path.read_bytes()[:4] == b"\x7fELF" or os.name != "posix" or path.suffix == ".exe"


def test_devchain_basics(devchain: DevChain) -> None:
    assert devchain.chain_id == 31337
    assert devchain.rpc_url.startswith("http://127.0.0.1:")
    assert int(devchain.rpc("eth_chainId"), 16) == 31337
    assert len(devchain.accounts) == 10
    assert devchain.accounts[0] == (
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    )
    chain_id, accounts = devchain.rpc_batch([("eth_chainId", []), ("eth_accounts", [])])
    assert int(chain_id, 16) == 31337
    assert [a.lower() for a in accounts] == [a.lower() for a, _ in devchain.accounts]
    with pytest.raises(RpcError) as error:
        devchain.rpc("no_such_method")
    assert error.value.method == "no_such_method"


def test_token_deploy_mint_transfer(devchain: DevChain, demo_token: str) -> None:
    owner, alice, bob = (devchain.accounts[i][0] for i in range(3))
    assert devchain.decimals(demo_token) == 6
    devchain.mint(demo_token, alice, 5_000_000)
    devchain.transfer(demo_token, alice, bob, 1_250_000)
    assert devchain.balance_of(demo_token, alice) == 3_750_000
    assert devchain.balance_of(demo_token, bob) == 1_250_000
    assert devchain.balance_of(demo_token, owner) == 0
    assert devchain.total_supply(demo_token) == 5_000_000
    (symbol,) = decode(["string"], devchain.call(demo_token, encode_call("symbol()")))
    assert symbol == "DEMO"
    # Only the owner mints.
    with pytest.raises(DevChainError, match="not the owner"):
        devchain.mint(demo_token, alice, 1, sender=1)


def test_transfer_from_any_address_by_impersonation(devchain: DevChain, demo_token: str) -> None:
    stranger, receiver = random_address(), random_address()
    devchain.mint(demo_token, stranger, 1_000)
    devchain.transfer(demo_token, stranger, receiver, 400)
    assert devchain.balances_of(demo_token, [stranger, receiver]) == [600, 400]


def test_mint_batch(devchain: DevChain, demo_token: str) -> None:
    holders = [random_address() for _ in range(600)]  # two transactions
    devchain.mint_batch(demo_token, holders, 7)
    assert devchain.balances_of(demo_token, holders) == [7] * 600
    assert devchain.total_supply(demo_token) == 7 * 600


def test_custom_decimals(devchain: DevChain) -> None:
    assert devchain.decimals(devchain.deploy_token("Eighteen", "E18", 18)) == 18
    assert devchain.decimals(devchain.deploy("DemoToken", "Zero", "Z0", 0)) == 0


def test_multicall_aggregate3(devchain: DevChain, demo_token: str) -> None:
    holder = random_address()
    devchain.mint(demo_token, holder, 42)
    code = devchain.rpc("eth_getCode", [MULTICALL3_ADDRESS, "latest"])
    assert code == artifact("Multicall")["deployedBytecode"]
    no_decimals = devchain.deploy("NoDecimalsToken", "No Decimals", "NODEC")
    calls = [
        (demo_token, False, encode_call("balanceOf(address)", holder)),
        (no_decimals, True, encode_call("decimals()")),  # reverts: no such function
        (demo_token, True, encode_call("decimals()")),
    ]
    raw = devchain.call(MULTICALL3_ADDRESS, encode_call(AGGREGATE3, calls))
    (results,) = decode(["(bool,bytes)[]"], raw)
    assert len(results) == 3
    (ok, data), (failed_ok, failed_data), (dec_ok, dec_data) = results
    assert ok is True and decode(["uint256"], data) == (42,)
    assert failed_ok is False and failed_data == b""
    assert dec_ok is True and decode(["uint8"], dec_data) == (6,)

    strict = [calls[0], (no_decimals, False, encode_call("decimals()"))]
    with pytest.raises(RpcError) as error:
        devchain.call(MULTICALL3_ADDRESS, encode_call(AGGREGATE3, strict))
    assert error.value.code == 3
    assert "Multicall3: call failed" in error.value.message

    (block,) = decode(["uint256"], devchain.call(MULTICALL3_ADDRESS, encode_call("getBlockNumber()")))
    assert block == devchain.block_number()


def test_set_balances(devchain: DevChain, demo_token: str) -> None:
    balances = {random_address(): i + 1 for i in range(1_000)}
    devchain.set_balances(demo_token, balances)
    holders = list(balances)
    for holder in (holders[0], holders[499], holders[500], holders[-1]):
        assert devchain.balance_of(demo_token, holder) == balances[holder]
    assert devchain.balances_of(demo_token, holders) == list(balances.values())
    assert devchain.total_supply(demo_token) == 0  # documented: set_balances leaves totalSupply alone
    # The slot formula is the one Solidity uses: a real mint lands in the same slot.
    minted = random_address()
    devchain.mint(demo_token, minted, 99)
    stored = devchain.rpc("eth_getStorageAt", [demo_token, "0x" + balance_slot(minted).hex(), "latest"])
    assert int(stored, 16) == 99


def test_no_decimals_token(devchain: DevChain) -> None:
    token = devchain.deploy("NoDecimalsToken", "No Decimals", "NODEC")
    holder = random_address()
    devchain.mint(token, holder, 10)
    devchain.set_balances(token, {random_address(): 5})
    assert devchain.balance_of(token, holder) == 10
    with pytest.raises(RpcError) as error:
        devchain.decimals(token)
    assert error.value.code == 3  # execution reverted, with empty data
    (name,) = decode(["string"], devchain.call(token, encode_call("name()")))
    assert name == "No Decimals"


def test_snapshot_fixture_reverts(devchain_snapshot: DevChain, demo_token: str) -> None:
    snapshot = devchain_snapshot.snapshot()
    holder = random_address()
    devchain_snapshot.mint(demo_token, holder, 1)
    assert devchain_snapshot.balance_of(demo_token, holder) == 1
    assert devchain_snapshot.revert(snapshot)
    assert devchain_snapshot.balance_of(demo_token, holder) == 0


def test_two_chains_at_once(devchain_factory: Callable[..., DevChain]) -> None:
    mainnet_like, base_like = devchain_factory(1), devchain_factory(8453, accounts=2)
    assert mainnet_like.rpc_url != base_like.rpc_url
    assert int(mainnet_like.rpc("eth_chainId"), 16) == 1
    assert int(base_like.rpc("eth_chainId"), 16) == 8453
    assert len(base_like.accounts) == 2
    token = mainnet_like.deploy_token("One", "ONE", 18)
    mainnet_like.mint(token, mainnet_like.accounts[1][0], 5)
    assert mainnet_like.balance_of(token, mainnet_like.accounts[1][0]) == 5
    assert base_like.rpc("eth_getCode", [token, "latest"]) == "0x"  # separate state


def test_interval_mining_and_reliable_stop(devchain_factory: Callable[..., DevChain]) -> None:
    chain = devchain_factory(77, block_time=0.2)
    process, log = chain.process, chain.log_path
    token = chain.deploy_token("Slow", "SLOW", 6)  # waits for the next block's receipt
    assert chain.decimals(token) == 6
    chain.stop()
    assert process.poll() is not None and not chain.running
    assert not log.exists()  # the temporary folder is gone
    chain.stop()  # again: no error


def test_start_failure_is_reported(devchain: DevChain) -> None:
    taken = int(devchain.rpc_url.rsplit(":", 1)[1])
    with pytest.raises(DevChainError, match="anvil exited"):
        DevChain.start(chain_id=5, port=taken)
