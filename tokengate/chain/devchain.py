"""A local development chain for tests and the demo: anvil, the project's contracts, test data.

This module knows nothing of Django. It starts the anvil binary that ``npm ci`` installs (see
package.json), talks plain HTTP JSON-RPC to it, and deploys the contracts compiled into
``tokengate/chain/artifacts/`` by ``node scripts/compile_contracts.js``::

    with DevChain.start(chain_id=31337) as chain:
        chain.install_multicall()
        token = chain.deploy_token("Demo", "DEMO", 6)
        chain.mint(token, chain.accounts[1][0], 5_000_000)
        chain.set_balances(token, {holder: 10**6 for holder in holders})  # fast, no events

Accounts are anvil's defaults, derived from the mnemonic
"test test test test test test test test test test test junk" (m/44'/60'/0'/0/i); they are
unlocked, so transactions are sent with ``eth_sendTransaction`` and anvil mines them at once
(unless a ``block_time`` is given).
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import requests
from eth_abi.abi import decode, encode
from eth_hash.auto import keccak as _keccak
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"

#: Multicall3's address on every chain; ``install_multicall`` puts our own Multicall there.
MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11"
#: anvil's default mnemonic (and hardhat's).
DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"
#: Calls per JSON-RPC batch: anvil rejects request bodies over ~2 MB.
RPC_BATCH_SIZE = 500
#: Holders per ``mintBatch`` transaction: ~25,000 gas each, well under the 30M block gas limit
#: and the 2**24 per-transaction cap of EIP-7825.
MINT_BATCH_SIZE = 500
#: Storage slot of DemoToken's (and NoDecimalsToken's) ``balanceOf`` mapping.
BALANCE_OF_SLOT = 0

_BALANCE_OF = "0x70a08231"  # balanceOf(address)
_LISTENING = re.compile(rb"Listening on (\S+):(\d+)")
_NPM_PLATFORMS = {"linux": "linux", "darwin": "darwin", "win32": "win32"}
_NPM_ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}

Sender = int | str
"""An account: an index into ``DevChain.accounts`` or an address."""


class DevChainError(RuntimeError):
    """The dev chain did not start, or a transaction failed."""


class RpcError(DevChainError):
    """A JSON-RPC error answer (for an eth_call that reverts: code 3, revert data in ``data``)."""

    def __init__(self, method: str, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{method}: JSON-RPC error {code}: {message}" + (f" (data: {data})" if data else ""))
        self.method = method
        self.code = code
        self.message = message
        self.data = data


def anvil_path() -> Path:
    """The anvil binary itself (not npm's node wrapper, which costs ~240 ms a start).

    In order: ``$TOKENGATE_ANVIL``; the binary of ``@foundry-rs/anvil-<os>-<arch>`` under
    ``<repo>/node_modules`` (installed by ``npm ci``); ``anvil`` on ``PATH``.
    """
    configured = os.environ.get("TOKENGATE_ANVIL")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FileNotFoundError(f"TOKENGATE_ANVIL={configured} is not a file")
        return path
    os_name = _NPM_PLATFORMS.get(sys.platform)
    arch = _NPM_ARCHES.get(platform.machine().lower())
    if os_name and arch:
        exe = "anvil.exe" if os_name == "win32" else "anvil"
        candidate = REPO_ROOT / "node_modules" / "@foundry-rs" / f"anvil-{os_name}-{arch}" / "bin" / exe
        if candidate.is_file():
            return candidate
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise FileNotFoundError(
        f"anvil not found: run `npm ci` in {REPO_ROOT} (installs @foundry-rs/anvil from package-lock.json), "
        "or set TOKENGATE_ANVIL to an anvil binary"
    )


def artifact(name: str) -> dict[str, Any]:
    """The compiled artifact ``tokengate/chain/artifacts/<name>.json`` (contract, solc, abi, bytecode,
    deployedBytecode)."""
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no artifact {path}: add contracts/{name}.sol and run `node scripts/compile_contracts.js`"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def split_types(types: str) -> list[str]:
    """``"address,(address,bool,bytes)[],uint256"`` -> the top-level ABI types."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in types.replace(" ", ""):
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    if current:
        parts.append(current)
    return parts


def encode_call(signature: str, *args: Any) -> bytes:
    """Calldata for ``signature`` (e.g. ``"transfer(address,uint256)"``): 4-byte selector and
    ABI-encoded arguments."""
    name, _, rest = signature.replace(" ", "").partition("(")
    if not name or not rest.endswith(")"):
        raise ValueError(f"not a function signature: {signature!r}")
    types = split_types(rest[:-1])
    return keccak(text=f"{name}({rest}")[:4] + encode(types, list(args))


def balance_slot(holder: str, mapping_slot: int = BALANCE_OF_SLOT) -> bytes:
    """Storage slot of ``mapping(address => uint256)`` at ``mapping_slot`` for ``holder``:
    keccak256(pad32(holder) ++ pad32(mapping_slot))."""
    return _keccak(_address_bytes(holder).rjust(32, b"\0") + mapping_slot.to_bytes(32, "big"))


def _address_bytes(address: str) -> bytes:
    try:
        raw = bytes.fromhex(address.removeprefix("0x").removeprefix("0X"))
    except ValueError:
        raw = b""
    if len(raw) != 20:
        raise ValueError(f"not an address: {address!r}")
    return raw


def _lower(address: str) -> str:
    """A validated lower-case address: what bulk paths send (EIP-55 checksums cost ~70 us each)."""
    return _hex(_address_bytes(address))


def _abi_type(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + kind[len("tuple") :]
    return kind


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _from_hex(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def _stop_process(process: subprocess.Popen[bytes], workdir: Path | None) -> None:
    """Terminate anvil's process group, then kill it; remove the work folder. Idempotent."""
    try:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=3)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        if os.name == "posix":
            # start_new_session=True made anvil the leader of its own process group.
            os.killpg(process.pid, sig)
        elif sig == signal.SIGTERM:
            process.terminate()
        else:
            process.kill()
    except ProcessLookupError:
        pass


class DevChain:
    """A running anvil. Start one with :meth:`start`; use it as a context manager or call :meth:`stop`."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        rpc_url: str,
        chain_id: int,
        accounts: list[tuple[str, str]],
        log_path: Path,
        workdir: Path | None,
    ) -> None:
        self.process = process
        self.rpc_url = rpc_url
        self.chain_id = chain_id
        #: anvil's unlocked dev accounts: (EIP-55 address, private key as 0x-hex).
        self.accounts = accounts
        self.log_path = log_path
        self._session = requests.Session()
        self._session.headers["Content-Type"] = "application/json"
        self._ids = itertools.count(1)
        # Stops anvil even if stop() is never called (garbage collection, interpreter exit).
        self._finalizer = weakref.finalize(self, _stop_process, process, workdir)

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        chain_id: int = 31337,
        port: int = 0,
        block_time: float | None = None,
        accounts: int = 10,
        balance_eth: int = 10000,
        host: str = "127.0.0.1",
        *,
        gas_limit: int | None = None,
        hardfork: str | None = None,
        extra_args: Sequence[str] = (),
        log_path: Path | str | None = None,
        timeout: float = 10.0,
    ) -> DevChain:
        """Start anvil and wait until it answers ``eth_chainId``.

        ``port=0`` lets anvil pick a free port (read from its log). ``block_time`` (seconds)
        switches from mining each transaction at once to interval mining. anvil's output goes
        to ``log_path``, by default a file in a temporary folder removed by :meth:`stop`.
        """
        binary = anvil_path()
        workdir = Path(tempfile.mkdtemp(prefix="tokengate-anvil-"))
        log = Path(log_path) if log_path is not None else workdir / "anvil.log"
        config_out = workdir / "anvil.json"
        args = [
            str(binary),
            "--host",
            host,
            "--port",
            str(port),
            "--chain-id",
            str(chain_id),
            "--accounts",
            str(accounts),
            "--balance",
            str(balance_eth),
            "--mnemonic",
            DEFAULT_MNEMONIC,
            "--config-out",
            str(config_out),
            "--color",
            "never",
        ]
        if block_time is not None:
            args += ["--block-time", str(block_time)]
        if gas_limit is not None:
            args += ["--gas-limit", str(gas_limit)]
        if hardfork is not None:
            args += ["--hardfork", hardfork]
        args += list(extra_args)
        with log.open("wb") as log_file:
            process = subprocess.Popen(  # noqa: S603 - our own binary, no shell
                args,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            bound_host, bound_port = cls._wait_listening(process, log, timeout)
            connect_host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(bound_host, bound_host)  # noqa: S104
            if ":" in connect_host and not connect_host.startswith("["):
                connect_host = f"[{connect_host}]"
            chain = cls(
                process,
                f"http://{connect_host}:{bound_port}",
                chain_id,
                cls._read_accounts(config_out, accounts),
                log,
                workdir,
            )
        except BaseException:
            _stop_process(process, workdir)
            raise
        chain._wait_ready(timeout)
        return chain

    @staticmethod
    def _wait_listening(process: subprocess.Popen[bytes], log: Path, timeout: float) -> tuple[str, int]:
        deadline = time.monotonic() + timeout
        while True:
            text = log.read_bytes() if log.exists() else b""
            match = _LISTENING.search(text)
            if match:
                return match.group(1).decode(), int(match.group(2))
            if process.poll() is not None:
                tail = text.decode(errors="replace")[-2000:]
                raise DevChainError(f"anvil exited with status {process.returncode}:\n{tail}")
            if time.monotonic() > deadline:
                raise DevChainError(f"anvil did not start listening within {timeout} s (log: {log})")
            time.sleep(0.003)

    @staticmethod
    def _read_accounts(config_out: Path, count: int) -> list[tuple[str, str]]:
        try:
            config = json.loads(config_out.read_text(encoding="utf-8"))
            addresses, keys = config["available_accounts"], config["private_keys"]
        except (OSError, ValueError, KeyError):
            return _derive_accounts(count)
        return [(to_checksum_address(a), str(k)) for a, k in zip(addresses, keys, strict=True)]

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                answered = int(self.rpc("eth_chainId"), 16)
            except requests.RequestException:
                if time.monotonic() > deadline or not self.running:
                    self.stop()
                    raise DevChainError(f"anvil at {self.rpc_url} does not answer") from None
                time.sleep(0.005)
                continue
            if answered != self.chain_id:
                self.stop()
                raise DevChainError(f"anvil answers chain id {answered}, expected {self.chain_id}")
            return

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop anvil (SIGTERM to its process group, SIGKILL after 3 s). Safe to call twice."""
        self._session.close()
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<DevChain chain_id={self.chain_id} {self.rpc_url} {state}>"

    # -- JSON-RPC --------------------------------------------------------------------------

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One JSON-RPC call; its ``result``, or :class:`RpcError`."""
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        response = self._session.post(self.rpc_url, data=json.dumps(payload), timeout=60)
        response.raise_for_status()
        answer = response.json()
        if "error" in answer:
            error = answer["error"]
            raise RpcError(method, int(error.get("code", 0)), str(error.get("message", "")), error.get("data"))
        return answer.get("result")

    def rpc_batch(self, calls: Iterable[tuple[str, Sequence[Any]]], *, batch_size: int = RPC_BATCH_SIZE) -> list[Any]:
        """Many calls as JSON-RPC batches of at most ``batch_size``; the results in order.
        The first error answer raises :class:`RpcError`."""
        results: list[Any] = []
        chunk: list[tuple[str, Sequence[Any]]] = []
        for call in calls:
            chunk.append(call)
            if len(chunk) >= batch_size:
                results += self._send_batch(chunk)
                chunk = []
        if chunk:
            results += self._send_batch(chunk)
        return results

    def _send_batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        first = next(self._ids)
        self._ids = itertools.count(first + len(calls))
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": list(params)}
            for i, (method, params) in enumerate(calls)
        ]
        response = self._session.post(self.rpc_url, data=json.dumps(payload), timeout=120)
        response.raise_for_status()
        answer = response.json()
        if not isinstance(answer, list):  # e.g. -32600 for a body over anvil's size limit
            error = answer.get("error", {}) if isinstance(answer, dict) else {}
            raise RpcError("batch", int(error.get("code", 0)), str(error.get("message", answer)), error.get("data"))
        by_id = {item.get("id"): item for item in answer}
        results = []
        for i, (method, _) in enumerate(calls):
            item = by_id.get(first + i)
            if item is None:
                raise RpcError(method, 0, "no answer in batch")
            if "error" in item:
                error = item["error"]
                raise RpcError(method, int(error.get("code", 0)), str(error.get("message", "")), error.get("data"))
            results.append(item.get("result"))
        return results

    # -- chain state -----------------------------------------------------------------------

    def address(self, sender: Sender) -> str:
        """The EIP-55 address of an account index or address."""
        if isinstance(sender, int):
            return self.accounts[sender][0]
        return to_checksum_address(sender)

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def snapshot(self) -> str:
        """Snapshot the chain state (``evm_snapshot``); undo later with :meth:`revert`."""
        return str(self.rpc("evm_snapshot"))

    def revert(self, snapshot_id: str) -> bool:
        """Go back to a snapshot (``evm_revert``); a snapshot can be reverted to once."""
        return bool(self.rpc("evm_revert", [snapshot_id]))

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def set_eth_balance(self, address: str, wei: int) -> None:
        self.rpc("anvil_setBalance", [self.address(address), hex(wei)])

    def call(self, to: str, data: bytes, block: str = "latest") -> bytes:
        """``eth_call``: the return data; a revert raises :class:`RpcError` (code 3)."""
        result = self.rpc("eth_call", [{"to": self.address(to), "data": _hex(data)}, block])
        return _from_hex(str(result))

    def transact(self, to: str | None, data: bytes, sender: Sender = 0, value: int = 0) -> dict[str, Any]:
        """Send a transaction from an unlocked (or impersonated) account and wait for its receipt.

        anvil mines a transaction that reverts (status 0); this raises :class:`DevChainError`
        then, with the revert reason found by replaying it as an ``eth_call``."""
        tx: dict[str, Any] = {"from": self.address(sender), "data": _hex(data)}
        if to is not None:
            tx["to"] = self.address(to)
        if value:
            tx["value"] = hex(value)
        tx_hash = self.rpc("eth_sendTransaction", [tx])
        receipt = self.wait_for_receipt(str(tx_hash))
        if int(receipt["status"], 16) != 1:
            raise DevChainError(f"transaction {tx_hash} reverted: {self._revert_reason(tx, receipt)}")
        return receipt

    def _revert_reason(self, tx: Mapping[str, Any], receipt: Mapping[str, Any]) -> str:
        before = hex(max(int(receipt["blockNumber"], 16) - 1, 0))
        try:
            self.rpc("eth_call", [dict(tx), before])
        except RpcError as error:
            return error.message
        return "unknown reason (the replay did not revert)"

    def wait_for_receipt(self, tx_hash: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return dict(receipt)
            if time.monotonic() > deadline:
                raise DevChainError(f"no receipt for {tx_hash} within {timeout} s")
            time.sleep(0.01)

    # -- contracts -------------------------------------------------------------------------

    def install_multicall(self) -> str:
        """Put our Multicall (Multicall3's ``aggregate3`` ABI) at :data:`MULTICALL3_ADDRESS`."""
        self.rpc("anvil_setCode", [MULTICALL3_ADDRESS, artifact("Multicall")["deployedBytecode"]])
        return MULTICALL3_ADDRESS

    def deploy(self, artifact_name: str, *constructor_args: Any, sender: Sender = 0) -> str:
        """Deploy ``artifacts/<artifact_name>.json`` with ABI-encoded constructor arguments;
        the contract's EIP-55 address."""
        compiled = artifact(artifact_name)
        constructor = next((item for item in compiled["abi"] if item.get("type") == "constructor"), None)
        types = [_abi_type(p) for p in constructor["inputs"]] if constructor else []
        if len(types) != len(constructor_args):
            raise TypeError(f"{artifact_name} takes {len(types)} constructor arguments, got {len(constructor_args)}")
        data = _from_hex(compiled["bytecode"]) + (encode(types, list(constructor_args)) if types else b"")
        receipt = self.transact(None, data, sender=sender)
        address = receipt.get("contractAddress")
        if not address:
            raise DevChainError(f"deploying {artifact_name} created no contract")
        return to_checksum_address(address)

    def deploy_token(self, name: str, symbol: str, decimals: int = 18, *, sender: Sender = 0) -> str:
        """Deploy a DemoToken; ``sender`` (account 0 by default) owns it and can mint."""
        return self.deploy("DemoToken", name, symbol, decimals, sender=sender)

    # -- ERC-20 ----------------------------------------------------------------------------

    def mint(self, token: str, to: str, amount: int, *, sender: Sender = 0) -> None:
        """``token.mint(to, amount)`` from the token's owner (account 0 unless told)."""
        self.transact(token, encode_call("mint(address,uint256)", self.address(to), amount), sender=sender)

    def mint_batch(
        self,
        token: str,
        holders: Sequence[str],
        amount: int,
        *,
        sender: Sender = 0,
        batch_size: int = MINT_BATCH_SIZE,
    ) -> None:
        """``mintBatch`` ``amount`` to every holder, one transaction per ``batch_size`` holders
        (emits Transfer events and updates totalSupply; ~1 ms per holder - for 10,000+ holders
        prefer :meth:`set_balances`)."""
        addresses = [_lower(h) for h in holders]
        for start in range(0, len(addresses), batch_size):
            chunk = addresses[start : start + batch_size]
            self.transact(token, encode_call("mintBatch(address[],uint256)", chunk, amount), sender=sender)

    def transfer(self, token: str, from_address: Sender, to: str, amount: int) -> None:
        """``token.transfer(to, amount)`` sent by ``from_address``. An address that is not one of
        anvil's accounts is impersonated (``anvil_impersonateAccount``); if it holds less than
        0.01 ETH for gas, its ETH balance is set to 1 ETH first."""
        sender = self.address(from_address)
        data = encode_call("transfer(address,uint256)", self.address(to), amount)
        if any(sender == account for account, _ in self.accounts):
            self.transact(token, data, sender=sender)
            return
        if int(self.rpc("eth_getBalance", [sender, "latest"]), 16) < 10**16:
            self.set_eth_balance(sender, 10**18)
        self.rpc("anvil_impersonateAccount", [sender])
        try:
            self.transact(token, data, sender=sender)
        finally:
            self.rpc("anvil_stopImpersonatingAccount", [sender])

    def balance_of(self, token: str, holder: str) -> int:
        (balance,) = decode(["uint256"], self.call(token, encode_call("balanceOf(address)", self.address(holder))))
        return int(balance)

    def balances_of(self, token: str, holders: Sequence[str]) -> list[int]:
        """``balanceOf`` for many holders, as batched eth_calls."""
        to = _lower(token)
        results = self.rpc_batch(
            ("eth_call", [{"to": to, "data": _BALANCE_OF + _lower(h)[2:].rjust(64, "0")}, "latest"]) for h in holders
        )
        return [int(str(r), 16) for r in results]

    def decimals(self, token: str) -> int:
        """``token.decimals()``; a token without it raises :class:`RpcError`."""
        (value,) = decode(["uint8"], self.call(token, encode_call("decimals()")))
        return int(value)

    def total_supply(self, token: str) -> int:
        (value,) = decode(["uint256"], self.call(token, encode_call("totalSupply()")))
        return int(value)

    def set_balances(
        self,
        token: str,
        balances: Mapping[str, int],
        *,
        mapping_slot: int = BALANCE_OF_SLOT,
        batch_size: int = RPC_BATCH_SIZE,
    ) -> None:
        """Write ``balanceOf[holder] = amount`` straight into the token's storage with
        ``anvil_setStorageAt``, in JSON-RPC batches of ``batch_size`` (the fast path for
        10,000-100,000 holders).

        Only for tokens whose ``balanceOf`` mapping is at storage slot ``mapping_slot`` (0 for
        DemoToken and NoDecimalsToken). It does NOT update ``totalSupply`` and emits no Transfer
        events: the balances are right, the supply and the logs are not.
        """
        to = _lower(token)
        calls = (
            ("anvil_setStorageAt", [to, _hex(balance_slot(holder, mapping_slot)), _hex(amount.to_bytes(32, "big"))])
            for holder, amount in balances.items()
        )
        for ok in self.rpc_batch(calls, batch_size=batch_size):
            if ok is not True:
                raise DevChainError(f"anvil_setStorageAt answered {ok!r}")


def _derive_accounts(count: int) -> list[tuple[str, str]]:
    """anvil's accounts derived from the default mnemonic (used only if anvil wrote no config)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    accounts = []
    for i in range(count):
        account = Account.from_mnemonic(DEFAULT_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        accounts.append((account.address, "0x" + bytes(account.key).hex()))
    return accounts
