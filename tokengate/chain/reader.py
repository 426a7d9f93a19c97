"""Reading many contract calls at one block: Multicall3 aggregate3 in chunks, or JSON-RPC batches.

A result is the call's return bytes, or None when the call failed or its answer was
malformed: "unknown", which callers must never treat as zero. A chain that cannot be reached
raises ChainUnavailable for the whole read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..errors import ChainUnavailable, RpcCallFailed
from . import abi
from .rpc import RpcClient, RpcError

CHUNK = 500  # calls per aggregate3 / batch: far below anvil's ~2 MB request cap and providers' limits


@dataclass(frozen=True)
class Read:
    """The results of a read, in call order, and the block they were read at."""

    results: list[bytes | None]
    block_number: int


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _unhex(value: object) -> bytes:
    if not isinstance(value, str) or value[:2] != "0x" or len(value) % 2:
        raise abi.MalformedResult("not 0x-prefixed hex")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise abi.MalformedResult("not hex") from None


def block_number(client: RpcClient) -> int:
    """The chain's latest block number."""
    try:
        return _unhex_int(client.call("eth_blockNumber", []))
    except abi.MalformedResult:
        raise ChainUnavailable(f"Chain {client.chain_id} answered eth_blockNumber with garbage.") from None


def _unhex_int(value: object) -> int:
    if not isinstance(value, str) or value[:2] != "0x":
        raise abi.MalformedResult("not a hex quantity")
    try:
        return int(value, 16)
    except ValueError:
        raise abi.MalformedResult("not a hex quantity") from None


def _chunks(calls: Sequence[tuple[bytes, bytes]], size: int) -> Iterator[Sequence[tuple[bytes, bytes]]]:
    for start in range(0, len(calls), size):
        yield calls[start : start + size]


def read_calls(
    client: RpcClient,
    calls: Sequence[tuple[bytes, bytes]],
    *,
    multicall: str | None,
    block: int | None = None,
    chunk: int = CHUNK,
) -> Read:
    """Run (20-byte target, calldata) calls at one block (the latest when `block` is None).

    With a multicall address each chunk is one aggregate3 eth_call with allowFailure=true;
    without, each chunk is one JSON-RPC batch of eth_calls.
    """
    pinned = block if block is not None else block_number(client)
    tag = hex(pinned)
    results: list[bytes | None] = []
    for part in _chunks(calls, chunk):
        if multicall:
            results += _read_multicall(client, part, multicall, tag)
        else:
            results += _read_batch(client, part, tag)
    return Read(results=results, block_number=pinned)


def _read_multicall(
    client: RpcClient, calls: Sequence[tuple[bytes, bytes]], multicall: str, tag: str
) -> list[bytes | None]:
    data = _hex(abi.aggregate3(calls))
    try:
        answer = client.call("eth_call", [{"to": multicall, "data": data}, tag])
    except RpcCallFailed:
        # aggregate3 with allowFailure=true reverts only when the multicall contract itself is
        # missing or broken (or out of gas): nothing about the calls is known.
        return [None] * len(calls)
    if answer == "0x":
        # No code at the multicall address (a misconfigured chain): read the calls one by one.
        return _read_batch(client, calls, tag)
    try:
        decoded = abi.decode_aggregate3(_unhex(answer), len(calls))
    except abi.MalformedResult:
        return [None] * len(calls)
    return [data if success else None for success, data in decoded]


def _read_batch(client: RpcClient, calls: Sequence[tuple[bytes, bytes]], tag: str) -> list[bytes | None]:
    answers = client.batch([("eth_call", [{"to": _hex(target), "data": _hex(data)}, tag]) for target, data in calls])
    results: list[bytes | None] = []
    for answer in answers:
        if isinstance(answer, RpcError):
            results.append(None)
            continue
        try:
            results.append(_unhex(answer))
        except abi.MalformedResult:
            results.append(None)
    return results


def read_balances(
    client: RpcClient,
    *,
    token: str,
    holders: Sequence[str],
    multicall: str | None,
    block: int | None = None,
) -> tuple[list[int | None], int]:
    """balanceOf of each holder at one block: (balances or None where unknown, block number)."""
    target = abi.address_bytes(token)
    read = read_calls(
        client, [(target, abi.balance_of(abi.address_bytes(h))) for h in holders], multicall=multicall, block=block
    )
    return [decode_balance(r) for r in read.results], read.block_number


def decode_balance(result: bytes | None) -> int | None:
    """A balanceOf result as an int; None (unknown) when the call failed or answered garbage."""
    if result is None:
        return None
    try:
        return abi.decode_uint256(result)
    except abi.MalformedResult:
        return None
