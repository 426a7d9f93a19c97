"""A small JSON-RPC client over HTTP with fail-over between a chain's RPC URLs.

Errors are sorted once, here: anything a retry may cure (timeouts, refused connections,
HTTP 429 and 5xx, answers that are not JSON-RPC, rate-limit error codes) raises
ChainUnavailable after every URL was tried; a JSON-RPC error that retrying will not change
(an eth_call that reverts) raises RpcCallFailed, or is returned in place inside a batch.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests

from ..errors import ChainUnavailable, RpcCallFailed

# JSON-RPC error codes that mean "busy or rate limited", not "your call is wrong".
TRANSIENT_RPC_CODES = frozenset({-32005, -32603, -32002, 429})
MAX_RESPONSE_BYTES = 64 * 1024 * 1024

_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (requests.Session is not safe to share between threads)."""
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers.update({"Content-Type": "application/json", "User-Agent": "tokengate"})
        _local.session = session
    return session


@dataclass(frozen=True)
class RpcError:
    """A JSON-RPC error object answered for one call of a batch."""

    code: int
    message: str
    data: Any = None

    @property
    def transient(self) -> bool:
        return self.code in TRANSIENT_RPC_CODES


class _Transient(Exception):
    """One URL failed in a way another URL (or a later retry) may not."""


class RpcClient:
    """JSON-RPC to one chain. URLs are tried in order; a transient failure moves to the next."""

    def __init__(self, urls: Sequence[str], *, chain_id: int, timeout: float = 5.0) -> None:
        if not urls:
            raise ValueError("an RPC client needs at least one URL")
        self.urls = tuple(urls)
        self.chain_id = chain_id
        self.timeout = timeout

    def call(self, method: str, params: list[Any]) -> Any:
        """One call; its result, or RpcCallFailed / ChainUnavailable."""
        request_id = 1  # ids need only be unique within one HTTP request
        answer = self._post({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        result = self._result(answer, request_id)
        if isinstance(result, RpcError):
            raise RpcCallFailed(f"{method} failed on chain {self.chain_id}: {result.message[:200]}")
        return result

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in one HTTP request; results in order, an RpcError in place of each failed call."""
        if not calls:
            return []
        first = 1
        body = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": params}
            for i, (method, params) in enumerate(calls)
        ]
        answer = self._post(body)
        if isinstance(answer, dict):
            # A whole-batch error object (e.g. the body was too large or rate limited).
            error = self._error(answer)
            if error is None or error.transient:
                raise ChainUnavailable(
                    self._describe(f"the batch was refused ({error.message if error else 'no error'})")
                )
            raise RpcCallFailed(f"batch refused on chain {self.chain_id}: {error.message[:200]}")
        if not isinstance(answer, list) or len(answer) != len(calls):
            raise ChainUnavailable(self._describe("the batch answer did not match the request"))
        by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
        results = []
        for i in range(len(calls)):
            item = by_id.get(first + i)
            if item is None:
                raise ChainUnavailable(self._describe("the batch answer lacks a call's result"))
            result = self._result(item, first + i)
            if isinstance(result, RpcError) and result.transient:
                raise ChainUnavailable(self._describe(f"a call was refused ({result.message[:100]})"))
            results.append(result)
        return results

    # --- internals ------------------------------------------------------------------------

    def _describe(self, what: str) -> str:
        return f"Chain {self.chain_id} is unavailable: {what}."

    def _post(self, body: Any) -> Any:
        payload = json.dumps(body, separators=(",", ":"))
        reasons = []
        for url in self.urls:
            try:
                return self._post_one(url, payload)
            except _Transient as exc:
                reasons.append(str(exc))
        # The URLs themselves may hold API keys: name the failures, not the endpoints.
        raise ChainUnavailable(self._describe("; ".join(reasons) or "no RPC URL answered"))

    def _post_one(self, url: str, payload: str) -> Any:
        try:
            response = _session().post(url, data=payload, timeout=self.timeout)
        except requests.Timeout:
            raise _Transient("timed out") from None
        except requests.RequestException as exc:
            raise _Transient(f"connection failed ({type(exc).__name__})") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _Transient(f"HTTP {response.status_code}")
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise _Transient("the answer was too large")
        try:
            answer = json.loads(response.content)
        except ValueError:
            raise _Transient(f"HTTP {response.status_code} with a body that is not JSON") from None
        if response.status_code != 200 and not isinstance(answer, dict | list):
            raise _Transient(f"HTTP {response.status_code}")
        return answer

    def _error(self, item: dict[str, Any]) -> RpcError | None:
        error = item.get("error")
        if not isinstance(error, dict):
            return None
        code = error.get("code")
        return RpcError(
            code=code if isinstance(code, int) else 0,
            message=str(error.get("message", "")),
            data=error.get("data"),
        )

    def _result(self, item: Any, request_id: int) -> Any:
        if not isinstance(item, dict) or item.get("jsonrpc") != "2.0" or item.get("id") != request_id:
            raise ChainUnavailable(self._describe("the answer is not JSON-RPC 2.0"))
        error = self._error(item)
        if error is not None:
            if error.transient:
                raise ChainUnavailable(self._describe(f"the call was refused ({error.message[:100]})"))
            return error
        if "result" not in item:
            raise ChainUnavailable(self._describe("the answer has neither result nor error"))
        return item["result"]
