"""The pure EIP-4361 parser and signer recovery."""

from __future__ import annotations

import pytest
from eth_account import Account

from tokengate import siwe
from tokengate.errors import InvalidMessage, InvalidSignature

from .conftest import build_message, sign

ACCOUNT = Account.from_key("0x" + "22" * 32)
NONCE = "0123456789abcdef"


def test_parses_all_fields():
    text = build_message(address=ACCOUNT.address, nonce=NONCE, chain_id=8453, uri="https://reader.example/a?b=c")
    parsed = siwe.parse_message(text, max_bytes=4096)
    assert (parsed.domain, parsed.address, parsed.chain_id, parsed.nonce, parsed.version) == (
        "reader.example",
        ACCOUNT.address,
        8453,
        NONCE,
        "1",
    )
    assert parsed.uri == "https://reader.example/a?b=c"
    assert parsed.issued_at.tzinfo is not None


def test_message_without_statement():
    text = build_message(address=ACCOUNT.address, nonce=NONCE, statement=None)
    assert siwe.parse_message(text, max_bytes=4096).statement is None


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t + "\n",
        lambda t: "\n" + t,
        lambda t: t.replace("\n\n", "\n\n\n", 1),
        lambda t: t.replace("Nonce: ", "Nonce:  "),
        lambda t: t.replace("\n", "\r\n"),
    ],
)
def test_non_canonical_layout_rejected(edit):
    with pytest.raises(InvalidMessage):
        siwe.parse_message(edit(build_message(address=ACCOUNT.address, nonce=NONCE)), max_bytes=4096)


@pytest.mark.parametrize("nonce", ["short", "has-dash-1234", "ünïcødé12345"])
def test_bad_nonce_rejected(nonce):
    with pytest.raises(InvalidMessage):
        siwe.parse_message(build_message(address=ACCOUNT.address, nonce=nonce), max_bytes=4096)


def test_size_cap_counts_bytes():
    text = build_message(address=ACCOUNT.address, nonce=NONCE, statement="é" * 600)
    assert len(text) < 1400 < len(text.encode())
    siwe.parse_message(text, max_bytes=4096)
    with pytest.raises(InvalidMessage, match="larger than"):
        siwe.parse_message(text, max_bytes=1400)


def test_uppercase_hex_address_normalised():
    text = build_message(address="0x" + ACCOUNT.address[2:].upper(), nonce=NONCE)
    assert siwe.parse_message(text, max_bytes=4096).address == ACCOUNT.address


def test_recover_signer_with_and_without_prefix():
    text = build_message(address=ACCOUNT.address, nonce=NONCE)
    signature = sign(ACCOUNT, text)
    assert siwe.recover_signer(text, signature) == ACCOUNT.address
    assert siwe.recover_signer(text, signature[2:]) == ACCOUNT.address


@pytest.mark.parametrize("signature", [None, 5, "0x" + "ab" * 64, "0x" + "00" * 65])
def test_recover_signer_rejects(signature):
    with pytest.raises(InvalidSignature):
        siwe.recover_signer("hello", signature)


@pytest.mark.parametrize(
    ("uri", "domain", "ok"),
    [
        ("https://reader.example/login", "reader.example", True),
        ("https://reader.example:443/", "reader.example", True),
        ("http://localhost:8080/x", "localhost:8080", True),
        ("http://localhost/x", "localhost:8080", False),
        ("https://reader.example.evil.example/", "reader.example", False),
        ("https://user@reader.example/", "reader.example", False),
        ("ftp://reader.example/", "reader.example", False),
        ("https://reader.example:99999/", "reader.example", False),
        ("did:key:z6Mk", "reader.example", False),
    ],
)
def test_uri_matches_domain(uri, domain, ok):
    assert siwe.uri_matches_domain(uri, domain) is ok
