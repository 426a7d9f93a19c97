"""The load generator: client processes that sign in over HTTP the way a wallet and a site do."""

from __future__ import annotations

import http.client
import json
import resource
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # abnf 2.8.3 warns while loading siwe's grammar
    from siwe import SiweMessage

DOMAIN = "bench.example"
URI = "https://bench.example/"
CHAIN_ID = 31337
MAX_ERRORS = 20  # a client gives up after this many failed logins: something is plainly broken


@dataclass
class ClientResult:
    """What one client process did in its timed phase."""

    logins: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    started: float = 0.0  # time.perf_counter(), comparable across processes on Linux (CLOCK_MONOTONIC)
    finished: float = 0.0
    cpu_seconds: float = 0.0


class LoginError(Exception):
    """A response other than the expected status, or a broken connection."""


class Client:
    """Signs in through one HTTP connection (kept alive when the server allows it)."""

    def __init__(self, base_url: str, api_key: str) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        self.headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict[str, Any] | None, expect: int) -> dict[str, Any]:
        """POST JSON; return the decoded answer, or raise LoginError unless the status is `expect`."""
        try:
            self.connection.request(
                "POST", path, body=json.dumps(body) if body is not None else b"", headers=self.headers
            )
            response = self.connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            raise LoginError(f"POST {path}: {type(exc).__name__}: {exc}") from exc
        if response.status != expect:
            raise LoginError(f"POST {path}: HTTP {response.status}: {payload[:300]!r}")
        return dict(json.loads(payload))

    def login(self, account: LocalAccount) -> None:
        """One sign-in: get a nonce, sign the EIP-4361 message, verify it."""
        nonce = self.post("/api/v1/siwe/nonce", None, 201)
        text = SiweMessage(
            domain=DOMAIN,
            address=account.address,
            statement=nonce["statement"],
            uri=URI,
            version="1",
            chain_id=CHAIN_ID,
            nonce=nonce["nonce"],
            issued_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        ).prepare_message()
        signature = "0x" + account.sign_message(encode_defunct(text=text)).signature.hex()
        tokens = self.post("/api/v1/siwe/verify", {"message": text, "signature": signature}, 200)
        if tokens.get("address") != account.address:
            raise LoginError(f"signed in as {tokens.get('address')!r}, expected {account.address!r}")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_client(
    base_url: str, api_key: str, keys: list[bytes], warmup: int, count: int, seconds: float, start: Callable[[], None]
) -> ClientResult:
    """Warm up, call `start` (which returns when every client may go), then sign in `count` times or until
    `seconds` pass."""
    accounts = [Account.from_key(key) for key in keys]
    client = Client(base_url, api_key)
    for i in range(warmup):
        client.login(accounts[i % len(accounts)])  # a failure here aborts the run: the service is not up
    start()
    result = ClientResult(started=time.perf_counter(), cpu_seconds=-_cpu_seconds())
    deadline = result.started + seconds
    for i in range(count):
        if time.perf_counter() >= deadline or result.errors >= MAX_ERRORS:
            break
        start = time.perf_counter()
        try:
            client.login(accounts[(i + warmup) % len(accounts)])
        except LoginError as exc:
            result.errors += 1
            if len(result.error_samples) < 3:
                result.error_samples.append(str(exc))
            continue
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
        result.logins += 1
    result.finished = time.perf_counter()
    result.cpu_seconds += _cpu_seconds()
    return result
