"""ERC-20 metadata read from the chain: is there a contract, does it answer like an ERC-20,
and what are its name, symbol and decimals."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TokenNotContract, TokenNotErc20
from . import abi
from .rpc import RpcClient, RpcError


@dataclass(frozen=True)
class TokenInfo:
    address: str  # EIP-55
    name: str
    symbol: str
    decimals: int | None  # None: the contract has no decimals()


def _bytes(answer: object) -> bytes | None:
    if isinstance(answer, RpcError) or not isinstance(answer, str) or not answer.startswith("0x"):
        return None
    try:
        return bytes.fromhex(answer[2:])
    except ValueError:
        return None


def lookup(client: RpcClient, address: str) -> TokenInfo:
    """Read a token's metadata at the latest block in one JSON-RPC batch.

    Raises TokenNotContract when the address has no code, TokenNotErc20 when totalSupply() or
    balanceOf() do not answer a uint256, ChainUnavailable when the chain cannot be reached.
    """
    checksummed = abi.checksum(address)
    probe = "0x" + abi.balance_of(b"\x00" * 20).hex()

    def call(data: str) -> tuple[str, list[object]]:
        return "eth_call", [{"to": checksummed, "data": data}, "latest"]

    code, total_supply, balance, decimals, symbol, name = client.batch(
        [
            ("eth_getCode", [checksummed, "latest"]),
            call("0x" + abi.TOTAL_SUPPLY.hex()),
            call(probe),
            call("0x" + abi.DECIMALS.hex()),
            call("0x" + abi.SYMBOL.hex()),
            call("0x" + abi.NAME.hex()),
        ]
    )
    if _bytes(code) in (None, b""):
        raise TokenNotContract(f"There is no contract at {checksummed} on chain {client.chain_id}.", field="address")
    for answer in (total_supply, balance):
        data = _bytes(answer)
        try:
            abi.decode_uint256(data if data is not None else b"")
        except abi.MalformedResult:
            raise TokenNotErc20(
                f"The contract at {checksummed} does not answer totalSupply() and balanceOf() as an ERC-20 does.",
                field="address",
            ) from None
    return TokenInfo(
        address=checksummed,
        name=_text(name, limit=200),
        symbol=_text(symbol, limit=64),
        decimals=_decimals(decimals),
    )


def _decimals(answer: object) -> int | None:
    data = _bytes(answer)
    if not data:
        return None
    try:
        return abi.decode_decimals(data)
    except abi.MalformedResult:
        return None


def _text(answer: object, *, limit: int) -> str:
    data = _bytes(answer)
    if not data:
        return ""
    try:
        text = abi.decode_text(data)
    except abi.MalformedResult:
        return ""
    # Token names are attacker-chosen: keep printable characters only, and not too many.
    return "".join(ch for ch in text if ch.isprintable()).strip()[:limit]
