"""Calldata for the few contract calls the service makes, built and decoded by hand.

Bulk paths encode thousands of calls per sweep; web3's contract layer costs ~0.3 ms a call,
these functions a few microseconds. Every decoder checks lengths and offsets and raises
MalformedResult rather than guess: a malformed answer means "unknown", never zero.
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address

BALANCE_OF = bytes.fromhex("70a08231")  # balanceOf(address)
TOTAL_SUPPLY = bytes.fromhex("18160ddd")  # totalSupply()
DECIMALS = bytes.fromhex("313ce567")  # decimals()
SYMBOL = bytes.fromhex("95d89b41")  # symbol()
NAME = bytes.fromhex("06fdde03")  # name()
AGGREGATE3 = bytes.fromhex("82ad56cb")  # aggregate3((address,bool,bytes)[])
WORD = 32


class MalformedResult(ValueError):
    """A contract's answer does not have the shape its ABI promises."""


def address_bytes(address: str) -> bytes:
    """The 20 bytes of a 0x-prefixed hex address (any case)."""
    raw = bytes.fromhex(address[2:] if address[:2] in ("0x", "0X") else address)
    if len(raw) != 20:
        raise ValueError(f"{address!r} is not a 20-byte address")
    return raw


def balance_of(holder: bytes) -> bytes:
    """Calldata of balanceOf(holder) for a 20-byte holder address."""
    return BALANCE_OF + b"\x00" * 12 + holder


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % WORD)


def _word(value: int) -> bytes:
    return value.to_bytes(WORD, "big")


def aggregate3(calls: Sequence[tuple[bytes, bytes]], *, allow_failure: bool = True) -> bytes:
    """Calldata of Multicall3 aggregate3 for (20-byte target, calldata) pairs.

    ABI layout: the selector, the offset of the array (0x20), its length, one offset per
    element (relative to the first offset), then each element's (address, bool, offset of the
    bytes = 0x60, length, padded bytes).
    """
    flag = _word(1 if allow_failure else 0)
    heads: list[bytes] = []
    tails: list[bytes] = []
    position = WORD * len(calls)
    for target, data in calls:
        heads.append(_word(position))
        element = b"".join((b"\x00" * 12 + target, flag, _word(3 * WORD), _word(len(data)), _pad(data)))
        tails.append(element)
        position += len(element)
    return b"".join((AGGREGATE3, _word(WORD), _word(len(calls)), *heads, *tails))


def _read_word(data: bytes, offset: int) -> int:
    if offset < 0 or offset + WORD > len(data):
        raise MalformedResult("the answer ends inside a word")
    return int.from_bytes(data[offset : offset + WORD], "big")


def decode_aggregate3(data: bytes, expected: int) -> list[tuple[bool, bytes]]:
    """Decode aggregate3's `(bool success, bytes returnData)[]`, which must have `expected` items."""
    base = _read_word(data, 0)
    if base != WORD:
        raise MalformedResult("unexpected array offset")
    count = _read_word(data, base)
    if count != expected:
        raise MalformedResult(f"{count} results for {expected} calls")
    start = base + WORD
    results = []
    for i in range(count):
        element = start + _read_word(data, start + i * WORD)
        success = _read_word(data, element)
        if success > 1:
            raise MalformedResult("a success flag is not a bool")
        bytes_at = element + _read_word(data, element + WORD)
        length = _read_word(data, bytes_at)
        if bytes_at + WORD + length > len(data):
            raise MalformedResult("returned bytes run past the answer")
        results.append((success == 1, data[bytes_at + WORD : bytes_at + WORD + length]))
    return results


def decode_uint256(data: bytes) -> int:
    """A uint256 return value: exactly one word."""
    if len(data) != WORD:
        raise MalformedResult(f"a uint256 answer has {len(data)} bytes, not 32")
    return int.from_bytes(data, "big")


def decode_decimals(data: bytes) -> int:
    """decimals() returns a uint8 in one word; anything above 77 cannot be a real token's decimals."""
    value = decode_uint256(data)
    if value > 77:
        raise MalformedResult(f"decimals() answered {value}")
    return value


def decode_text(data: bytes) -> str:
    """name()/symbol(): an ABI string, or a bytes32 as some early tokens return (MKR, SAI)."""
    if len(data) == WORD:
        return data.rstrip(b"\x00").decode("utf-8", errors="replace")
    try:
        (text,) = abi_decode(["string"], data)
    except Exception as exc:  # eth_abi raises several types for short or inconsistent data
        raise MalformedResult(f"not an ABI string ({type(exc).__name__})") from None
    return str(text)


def checksum(address: str) -> str:
    """EIP-55 form of a 0x-prefixed 20-byte hex address; ValueError when it is not one."""
    if not isinstance(address, str) or len(address) != 42 or address[:2] not in ("0x", "0X"):
        raise ValueError("an address is 0x followed by 40 hex digits")
    address_bytes(address)
    result = str(to_checksum_address("0x" + address[2:]))
    digits = address[2:]
    if digits != digits.lower() and digits != digits.upper() and digits != result[2:]:
        raise ValueError("the address's mixed case is not a valid EIP-55 checksum (a typo?)")
    return result
