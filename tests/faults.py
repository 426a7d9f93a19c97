"""A small fault-injecting HTTP proxy in front of anvil: slow answers, HTTP 429 and 500,
bodies that are not JSON, and closed connections, for the next N requests or until healed."""

from __future__ import annotations

import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultProxy:
    MODES = ("slow", "429", "500", "garbage", "hangup")

    def __init__(self, upstream: str, *, slow_seconds: float = 2.0) -> None:
        self.upstream = upstream
        self.slow_seconds = slow_seconds
        self.mode: str | None = None
        self.remaining: int | None = None  # None: until heal()
        self.requests = 0
        self.faults = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fault = proxy._next_fault()
                if fault == "slow":
                    time.sleep(proxy.slow_seconds)
                elif fault in ("429", "500"):
                    self._answer(int(fault), b'{"error": "busy"}')
                    return
                elif fault == "garbage":
                    self._answer(200, b"<html>Bad gateway</html>")
                    return
                elif fault == "hangup":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                request = urllib.request.Request(  # noqa: S310 (loopback anvil)
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                    self._answer(answer.status, answer.read())

            def _answer(self, status: int, payload: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting (the slow fault)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def fail(self, mode: str, times: int | None = None) -> None:
        """Answer the next `times` requests (all, when None) with fault `mode`."""
        assert mode in self.MODES, mode
        with self._lock:
            self.mode, self.remaining = mode, times

    def heal(self) -> None:
        with self._lock:
            self.mode, self.remaining = None, None

    def _next_fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            if self.mode is None:
                return None
            fault = self.mode
            if self.remaining is not None:
                self.remaining -= 1
                if self.remaining <= 0:
                    self.mode, self.remaining = None, None
            self.faults += 1
            return fault

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
