"""One round of load: client processes sign in against a running server while CPU time is counted."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from . import cpu
from .client import ClientResult, run_client
from .pg import backend_pids
from .server import Server

WARMUP_PER_CLIENT = 20


@dataclass(frozen=True)
class LoadRun:
    """The clients' results and the CPU seconds each party used during the timed phase."""

    results: list[ClientResult]
    server_cpu: float  # gunicorn master and workers
    database_cpu: float  # the PostgreSQL backends serving the bench database
    machine_busy: float  # CPU seconds all cores were busy, whoever used them

    @property
    def logins(self) -> int:
        """Logins that succeeded."""
        return sum(r.logins for r in self.results)

    @property
    def errors(self) -> int:
        """Logins that failed."""
        return sum(r.errors for r in self.results)

    @property
    def wall(self) -> float:
        """Seconds from the first client's start to the last client's end."""
        return max(r.finished for r in self.results) - min(r.started for r in self.results)

    @property
    def client_cpu(self) -> float:
        """CPU seconds the client processes used."""
        return sum(r.cpu_seconds for r in self.results)


def _client_main(
    queue: Queue[ClientResult | str],
    gates: tuple[Barrier, Barrier],
    base_url: str,
    api_key: str,
    keys: list[bytes],
    count: int,
    seconds: float,
) -> None:
    def start() -> None:
        for gate in gates:
            gate.wait(timeout=120)

    try:
        queue.put(run_client(base_url, api_key, keys, WARMUP_PER_CLIENT, count, seconds, start))
    except Exception as exc:
        for gate in gates:
            gate.abort()
        queue.put(f"{type(exc).__name__}: {exc}")


def _cpu_by_pid(pids: Callable[[], list[int]]) -> dict[int, float]:
    return {pid: cpu.process_seconds(pid) for pid in pids()}


def _used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def drive(
    server: Server, database_url: str, api_key: str, keys: list[bytes], clients: int, logins: int, seconds: float
) -> LoadRun:
    """Run `clients` processes, each with its own share of `keys`, that together sign in `logins` times
    (or stop after `seconds`)."""
    context = multiprocessing.get_context()
    queue: Queue[ClientResult | str] = context.Queue()
    # The clients warm up and wait at `warm`; the parent reads the CPU counters while all is idle, then
    # releases them together through `go`.
    warm, go = context.Barrier(clients + 1), context.Barrier(clients + 1)
    share = len(keys) // clients
    processes = [
        context.Process(
            target=_client_main,
            args=(
                queue,
                (warm, go),
                server.base_url,
                api_key,
                keys[i * share : (i + 1) * share],
                -(-logins // clients),
                seconds,
            ),
            daemon=True,
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()

    def database_pids() -> list[int]:
        return backend_pids(database_url)

    try:
        try:
            warm.wait(timeout=180)
            server_before, db_before = _cpu_by_pid(server.pids), _cpu_by_pid(database_pids)
            machine_before = cpu.machine_ticks()
            go.wait(timeout=30)
        except threading.BrokenBarrierError:
            raise RuntimeError(f"a client failed while warming up: {queue.get(timeout=30)}") from None
        outcomes = [queue.get(timeout=seconds + 120) for _ in processes]
        server_after, db_after = _cpu_by_pid(server.pids), _cpu_by_pid(database_pids)
        machine_after = cpu.machine_ticks()
    finally:
        for process in processes:
            process.join(timeout=10)
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        raise RuntimeError("client failed: " + "; ".join(failures))
    return LoadRun(
        results=[outcome for outcome in outcomes if isinstance(outcome, ClientResult)],
        server_cpu=_used(server_before, server_after),
        database_cpu=_used(db_before, db_after),
        machine_busy=(machine_after[0] - machine_before[0]) / cpu.TICKS,
    )
