"""EIP-4361 (Sign-In-With-Ethereum) messages: parse strictly, recover the signer.

Pure functions, no Django. The `siwe` library parses the message (its grammar-derived regular
expression, ~100x faster than its ABNF parser, then its field validation); we then require the
message to be in canonical form, so nothing outside the grammar slips through, and recover the
signer from the exact text the wallet signed. The policy checks that `siwe` does not make
(domain, URI, chain id, issued-at, nonce) live in `tokengate.services.login`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.address import is_checksum_address, to_checksum_address

with warnings.catch_warnings():
    # abnf 2.8.3 warns while loading siwe's grammar; the grammar is fine (tests/test_dependencies.py).
    warnings.simplefilter("ignore")
    from siwe import SiweMessage
    from siwe.parsed import RegExpParsedMessage

from .errors import InvalidMessage, InvalidSignature

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SIGNATURE = re.compile(r"(0x)?[0-9a-fA-F]{130}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class SiweLogin:
    """The fields of a parsed message that login decisions use."""

    domain: str
    address: str  # EIP-55
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: datetime
    expiration_time: datetime | None
    not_before: datetime | None
    statement: str | None


def parse_message(text: object, *, max_bytes: int) -> SiweLogin:
    """Parse a whole EIP-4361 message or raise InvalidMessage.

    A lowercase (or uppercase) address is accepted and normalised to EIP-55; a mixed-case
    address must carry a valid checksum.
    """
    if not isinstance(text, str) or not text:
        raise InvalidMessage("The message must be a non-empty string.")
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise InvalidMessage(f"The message is larger than {max_bytes} bytes.")
    try:
        fields = RegExpParsedMessage(text).__dict__.copy()
    except ValueError:
        raise InvalidMessage("The message does not follow the EIP-4361 grammar.") from None
    fields.pop("match", None)

    raw_address = fields["address"]
    if not _ADDRESS.fullmatch(raw_address):
        raise InvalidMessage("The message's address is not a 20-byte hex address.")
    mixed_case = raw_address[2:] not in (raw_address[2:].lower(), raw_address[2:].upper())
    if mixed_case and not is_checksum_address(raw_address):
        raise InvalidMessage("The message's address has an invalid EIP-55 checksum.")
    fields["address"] = to_checksum_address(raw_address)

    try:
        message = SiweMessage(**fields)
        issued_at = message.issued_at._datetime
        expiration = message.expiration_time._datetime if message.expiration_time else None
        not_before = message.not_before._datetime if message.not_before else None
    except (ValueError, TypeError, OverflowError):
        raise InvalidMessage("The message has a field with an invalid value.") from None

    # Re-render and compare: the message must be exactly what the grammar produces for its
    # fields (no stray lines, no trailing newline), with the address as the wallet wrote it.
    lines = message.prepare_message().split("\n")
    lines[1] = raw_address
    if "\n".join(lines) != text:
        raise InvalidMessage("The message is not in canonical EIP-4361 form.")

    return SiweLogin(
        domain=message.domain,
        address=message.address,
        uri=message.uri,
        version=str(message.version),
        chain_id=int(message.chain_id),
        nonce=message.nonce,
        issued_at=issued_at,
        expiration_time=expiration,
        not_before=not_before,
        statement=message.statement,
    )


def recover_signer(text: str, signature: object) -> str:
    """Recover the EIP-55 address that signed `text` with EIP-191 personal_sign."""
    if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
        raise InvalidSignature("The signature must be 65 bytes of hex.")
    raw = bytes.fromhex(signature[2:] if signature.startswith("0x") else signature)
    try:
        return str(Account.recover_message(encode_defunct(text=text), signature=raw))
    except Exception:  # eth-keys raises several types for out-of-range r, s or v
        raise InvalidSignature() from None


def uri_matches_domain(uri: str, domain: str) -> bool:
    """True when the URI's authority is the message's domain (host and effective port)."""
    try:
        parts = urlsplit(uri)
        authority = urlsplit(f"//{domain}")
        uri_port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
        domain_port = authority.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return False
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname or parts.username:
        return False
    return parts.hostname == authority.hostname and uri_port == domain_port
