"""A small JSON-RPC client over HTTP with fail-over between a chain's RPC URLs.

Errors are sorted once, here: anything a retry may cure (timeouts, refused connections,
HTTP 429 and 5xx, answers that are not JSON-RPC, rate-limit error codes) raises
ChainUnavailable after every URL was tried; a JSON-RPC error that retrying will not change
(an eth_call that reverts) raises RpcCallFailed, or is returned in place inside a batch.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import urllib3

from ..errors import ChainUnavailable, RpcCallFailed

# JSON-RPC error codes that mean "busy or rate limited", not "your call is wrong".
TRANSIENT_RPC_CODES = frozenset({-32005, -32603, -32002, 429})
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
HEADERS = {"Content-Type": "application/json", "User-Agent": "tokengate"}


@cache
def _pool(scheme: str, host: str) -> urllib3.PoolManager:
    """Keep-alive connections, shared by threads (urllib3's pools are thread-safe).

    urllib3 rather than requests: requests re-reads the proxy environment on every call, which
    cost more CPU than the rest of a login's balance read. The proxy environment (HTTPS_PROXY,
    NO_PROXY, ...) is still honoured, read once per host.
    """
    proxy = None if urllib.request.proxy_bypass(host) else urllib.request.getproxies().get(scheme)
    if proxy:
        return urllib3.ProxyManager(proxy, headers=HEADERS, retries=False)
    return urllib3.PoolManager(headers=HEADERS, retries=False)


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
        parts = urlsplit(url)
        try:
            response = _pool(parts.scheme, parts.hostname or "").request(
                "POST", url, body=payload.encode(), timeout=urllib3.Timeout(self.timeout), redirect=False
            )
        except urllib3.exceptions.NewConnectionError:
            raise _Transient("connection refused") from None
        except urllib3.exceptions.TimeoutError:
            raise _Transient("timed out") from None
        except urllib3.exceptions.HTTPError as exc:
            raise _Transient(f"connection failed ({type(exc).__name__})") from None
        status, content = response.status, response.data
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status}")
        if len(content) > MAX_RESPONSE_BYTES:
            raise _Transient("the answer was too large")
        try:
            answer = json.loads(content)
        except ValueError:
            raise _Transient(f"HTTP {status} with a body that is not JSON") from None
        if status != 200 and not isinstance(answer, dict | list):
            raise _Transient(f"HTTP {status}")
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
