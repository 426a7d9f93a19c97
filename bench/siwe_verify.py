"""Benchmark 1: SIWE verification per login, the project's configuration against the library defaults.

Project: `tokengate.siwe.parse_message` (the siwe regex parser plus canonical-form check) and
`tokengate.siwe.recover_signer` (eth-account on the coincurve backend).
Defaults: `siwe.SiweMessage.from_message(text, abnf=True)` (the grammar parser) and recovery with
eth-keys's pure-Python backend from the EIP-191 hash of the message.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct
from eth_keys import KeyAPI

from tokengate import siwe as project_siwe

from .figures import Figure, at_least, at_most, median_seconds

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # abnf 2.8.3 warns while loading siwe's grammar
    from siwe import SiweMessage

MESSAGES = 300
PROJECT_REPEATS = 15
BASELINE_REPEATS = 3
MAX_BYTES = 4096
PURE_PYTHON = KeyAPI("eth_keys.backends.NativeECCBackend")


@dataclass(frozen=True)
class Signed:
    """A signed login message and the address that signed it."""

    text: str
    signature: str  # 0x-prefixed hex, as a wallet sends it
    address: str


def make_messages(count: int) -> list[Signed]:
    """`count` distinct EIP-4361 messages, each signed by its own fresh account."""
    issued = datetime.now(UTC).replace(microsecond=0)
    signed = []
    for i in range(count):
        account = Account.create()
        text = SiweMessage(
            domain="bench.example",
            address=account.address,
            statement="Sign in to read token-gated content.",
            uri="https://bench.example/",
            version="1",
            chain_id=31337,
            nonce=f"{i:08d}{account.address[2:26].lower()}",
            issued_at=(issued + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"),
        ).prepare_message()
        signature = "0x" + Account.sign_message(encode_defunct(text=text), account.key).signature.hex()
        signed.append(Signed(text, signature, account.address))
    return signed


def verify_project(message: Signed) -> str:
    """Parse and recover the way a login does; returns the signer's address."""
    login = project_siwe.parse_message(message.text, max_bytes=MAX_BYTES)
    signer = project_siwe.recover_signer(message.text, message.signature)
    return signer if signer == login.address else ""


def verify_baseline(message: Signed) -> str:
    """Parse with siwe's default grammar parser and recover with pure-Python eth-keys."""
    parsed = SiweMessage.from_message(message.text, abnf=True)
    raw = bytes.fromhex(message.signature[2:])
    v = raw[64] - 27 if raw[64] >= 27 else raw[64]
    signature = PURE_PYTHON.Signature(vrs=(v, int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")))
    digest = _hash_eip191_message(encode_defunct(text=message.text))
    signer = PURE_PYTHON.ecdsa_recover(digest, signature).to_checksum_address()
    return signer if signer == parsed.address else ""


def check_agreement(messages: list[Signed]) -> None:
    """Both paths must recover the address that signed each message; raise otherwise."""
    for message in messages:
        project, baseline = verify_project(message), verify_baseline(message)
        if not project == baseline == message.address:
            raise AssertionError(
                f"signers disagree: project {project!r}, baseline {baseline!r}, expected {message.address!r}"
            )


def run() -> list[Figure]:
    """Time both paths over the same messages; per-login milliseconds are medians of whole passes."""
    messages = make_messages(MESSAGES)
    check_agreement(messages)  # also warms both paths up

    def project_pass() -> None:
        for message in messages:
            verify_project(message)

    def baseline_pass() -> None:
        for message in messages:
            verify_baseline(message)

    project_ms = median_seconds(project_pass, PROJECT_REPEATS) * 1000 / len(messages)
    baseline_ms = median_seconds(baseline_pass, BASELINE_REPEATS) * 1000 / len(messages)
    note = f"{len(messages)} distinct signed messages; median of {PROJECT_REPEATS}/{BASELINE_REPEATS} passes"
    return [
        at_most("siwe_verify_ms", project_ms, "ms", 1, baseline=baseline_ms, note=note),
        Figure("siwe_verify_baseline_ms", baseline_ms, "ms", note="siwe abnf parser + eth-keys pure-Python recovery"),
        at_least("siwe_verify_speedup", baseline_ms / project_ms, "x", 10),
    ]
