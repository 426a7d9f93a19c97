"""Benchmark 2: end-to-end logins per second through gunicorn, Django and PostgreSQL.

A login is what a reader's sign-in costs the service: POST /api/v1/siwe/nonce, then (after the
wallet signs) POST /api/v1/siwe/verify. Client processes on the same 2-core machine drive it,
so the client's own CPU use is measured and printed beside the result.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from eth_account import Account

from .client import DOMAIN, ClientResult, run_client
from .figures import Figure, at_least, info
from .pg import temporary_database
from .server import Workers, gunicorn, prepare_site, service_env

LOGINS = int(os.environ.get("BENCH_LOGINS", "1500"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "3"))
WARMUP_PER_CLIENT = 20
ACCOUNTS = 300
WORKERS = Workers(
    count=2,
    worker_class=os.environ.get("BENCH_WORKER_CLASS", "sync"),
    threads=int(os.environ.get("BENCH_THREADS", "1")),
)


def _client_main(
    queue: Queue[ClientResult | str], barrier: Barrier, base_url: str, api_key: str, keys: list[bytes], count: int
) -> None:
    try:
        queue.put(run_client(base_url, api_key, keys, WARMUP_PER_CLIENT, count, SECONDS, barrier))
    except Exception as exc:
        barrier.abort()
        queue.put(f"{type(exc).__name__}: {exc}")


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def drive(base_url: str, api_key: str, clients: int, logins: int) -> tuple[list[ClientResult], float]:
    """Run `clients` processes that together sign in `logins` times; returns their results and the machine's
    busy fraction during the timed phase."""
    keys = [bytes(Account.create().key) for _ in range(ACCOUNTS)]
    context = multiprocessing.get_context()
    queue: Queue[ClientResult | str] = context.Queue()
    barrier = context.Barrier(clients + 1)  # the parent waits too, to sample the CPU counters at the start
    share = ACCOUNTS // clients
    processes = [
        context.Process(
            target=_client_main,
            args=(queue, barrier, base_url, api_key, keys[i * share : (i + 1) * share], logins // clients),
            daemon=True,
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    try:
        barrier.wait(timeout=120)
        busy_start, total_start = _cpu_ticks()
        outcomes = [queue.get(timeout=SECONDS + 120) for _ in processes]
        busy_end, total_end = _cpu_ticks()
    finally:
        for process in processes:
            process.join(timeout=10)
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        raise RuntimeError("client failed: " + "; ".join(failures))
    results = [outcome for outcome in outcomes if isinstance(outcome, ClientResult)]
    return results, (busy_end - busy_start) / max(1, total_end - total_start)


def _percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def summarise(results: list[ClientResult], busy: float, clients: int) -> list[Figure]:
    """Turn the clients' results into figures; raise if any login failed."""
    errors = sum(r.errors for r in results)
    if errors:
        samples = [sample for r in results for sample in r.error_samples]
        raise RuntimeError(f"{errors} logins failed, e.g.:\n  " + "\n  ".join(samples))
    logins = sum(r.logins for r in results)
    wall = max(r.finished for r in results) - min(r.started for r in results)
    latencies = [ms for r in results for ms in r.latencies_ms]
    cores = len(os.sched_getaffinity(0))
    client_share = sum(r.cpu_seconds for r in results) / (wall * cores)
    setup = f"gunicorn {WORKERS.describe()}, PostgreSQL, {clients} client processes on the same {cores} cores"
    return [
        at_least("logins_per_second", logins / wall, "logins/s", 150, note=f"{logins} logins in {wall:.1f} s; {setup}"),
        info("login_p50_ms", statistics.median(latencies), "ms", note="nonce + sign + verify, as a client sees it"),
        info("login_p95_ms", _percentile(latencies, 0.95), "ms"),
        info(
            "logins_client_cpu_pct",
            100 * client_share,
            "%",
            note=f"machine CPU used by the load generator (whole machine busy {100 * busy:.0f}%)",
        ),
    ]


def run() -> list[Figure]:
    """Set up a fresh database and site, serve with gunicorn, and measure logins per second."""
    with temporary_database() as database_url, tempfile.TemporaryDirectory(prefix="tokengate-bench-") as data_dir:
        env = service_env(database_url, data_dir)
        api_key = prepare_site(env, DOMAIN)
        with gunicorn(env, WORKERS, Path(data_dir) / "gunicorn.log") as base_url:
            print(f"serving {base_url} with {WORKERS.describe()}; {CLIENTS} client processes, {LOGINS} logins", flush=True)
            started = time.perf_counter()
            results, busy = drive(base_url, api_key, CLIENTS, LOGINS)
            print(f"load phase done in {time.perf_counter() - started:.1f} s", flush=True)
            return summarise(results, busy, CLIENTS)
