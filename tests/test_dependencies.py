"""Guards for the pinned stack: a new release must not break login silently."""

from __future__ import annotations

from datetime import UTC, datetime

import eth_keys
from eth_account import Account
from eth_account.messages import encode_defunct


def test_siwe_imports_and_verifies_a_message():
    import siwe

    account = Account.create()
    message = siwe.SiweMessage(
        domain="reader.example",
        address=account.address,
        uri="https://reader.example/",
        version="1",
        chain_id=1,
        nonce=siwe.generate_nonce(),
        issued_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    )
    text = message.prepare_message()
    signature = "0x" + account.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")
    parsed = siwe.SiweMessage.from_message(text)  # the ABNF grammar parser, which abnf 2.9 breaks
    parsed.verify(signature, domain="reader.example")


def test_coincurve_backend_in_use():
    backend = eth_keys.KeyAPI().backend
    assert type(backend).__name__ == "CoinCurveECCBackend"


def test_chain_setting_parser():
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from config.env import parse_chains

    assert parse_chains("1=https://a|https://b, 31337=http://127.0.0.1:8545") == {
        1: ("https://a", "https://b"),
        31337: ("http://127.0.0.1:8545",),
    }
    for bad in ("x=https://a", "1=", "1=ftp://a", "1=https://a,1=https://b", "0=https://a", "1"):
        with pytest.raises(ImproperlyConfigured):
            parse_chains(bad)
