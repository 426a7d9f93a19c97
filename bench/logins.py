"""Benchmark 2: end-to-end logins per second through gunicorn, Django and PostgreSQL.

A login is what a reader's sign-in costs the service: POST /api/v1/siwe/nonce, then (after the
wallet signs) POST /api/v1/siwe/verify. Client processes on the same 2-core machine drive it, so
the CPU time of the clients, of gunicorn and of PostgreSQL is counted and reported beside the rate.
The load runs in rounds on one server; the rate is the median round's, as this machine's speed
drifts from minute to minute.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import urllib.request
from pathlib import Path

from eth_account import Account

from tokengate.chain.devchain import DevChain

from .client import DOMAIN
from .figures import Figure, at_least, info
from .load import LoadRun, drive
from .pg import temporary_database
from .server import Server, Workers, gunicorn, prepare_site, service_env

LOGINS = int(os.environ.get("BENCH_LOGINS", "1500"))  # in all rounds together
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))  # in all rounds together, at most
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "3"))
ACCOUNTS = 300
# The production setup of config/gunicorn.py, unless these variables ask for another.
WORKERS = Workers.from_config(
    count=int(os.environ.get("BENCH_WORKERS", "0")),
    worker_class=os.environ.get("BENCH_WORKER_CLASS", ""),
    threads=int(os.environ.get("BENCH_THREADS", "0")),
)


def _percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def summarise(rounds: list[LoadRun], clients: int) -> list[Figure]:
    """Turn the rounds into figures; raise if any login failed."""
    errors = sum(r.errors for r in rounds)
    if errors:
        samples = [sample for run in rounds for r in run.results for sample in r.error_samples]
        raise RuntimeError(f"{errors} logins failed, e.g.:\n  " + "\n  ".join(samples))
    logins = sum(r.logins for r in rounds)
    if not logins:
        raise RuntimeError("no login completed")
    rates = [r.logins / r.wall for r in rounds]
    latencies = [ms for run in rounds for r in run.results for ms in r.latencies_ms]
    cores = len(os.sched_getaffinity(0))
    core_seconds = sum(r.wall for r in rounds) * cores
    server, database = sum(r.server_cpu for r in rounds), sum(r.database_cpu for r in rounds)
    client, busy = sum(r.client_cpu for r in rounds), sum(r.machine_busy for r in rounds)
    other = max(0.0, busy - server - database - client)
    rate_note = (
        f"median of {len(rounds)} rounds ({', '.join(f'{rate:.0f}' for rate in rates)}), {logins} logins in all; "
        f"gunicorn {WORKERS.describe()} + PostgreSQL; {clients} client processes on the same {cores} cores"
    )
    cpu_note = (
        f"gunicorn {1000 * server / logins:.1f} + PostgreSQL {1000 * database / logins:.1f} ms; "
        f"clients {1000 * client / logins:.1f} ms; machine {100 * busy / core_seconds:.0f}% busy"
    )
    return [
        at_least("logins_per_second", statistics.median(rates), "logins/s", 150, note=rate_note),
        info("login_p50_ms", statistics.median(latencies), "ms", note="nonce + sign + verify, as a client sees it"),
        info("login_p95_ms", _percentile(latencies, 0.95), "ms"),
        info("login_service_cpu_ms", 1000 * (server + database) / logins, "ms", note=cpu_note),
        info("login_client_cpu_pct", 100 * client / core_seconds, "%", note="share of all cores the clients used"),
        info(
            "login_other_cpu_pct",
            100 * other / core_seconds,
            "%",
            note="share of all cores used by anything else (other programs, kernel, hypervisor): high = disturbed",
        ),
    ]


def _gate(base_url: str, api_key: str, token: str) -> None:
    """Give the site a gate on `token`: from now on every login reads a live balance."""
    body = {
        "slug": "bench",
        "name": "Bench",
        "requirements": [{"chain_id": 31337, "token_address": token, "minimum": "1"}],
    }
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base_url}/api/v1/gates",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 201


def _rounds(server: Server, database_url: str, api_key: str, keys: list[bytes], label: str) -> list[LoadRun]:
    rounds = []
    for number in range(1, ROUNDS + 1):
        rounds.append(drive(server, database_url, api_key, keys, CLIENTS, LOGINS // ROUNDS, SECONDS / ROUNDS))
        print(f"  {label} round {number}: {rounds[-1].logins} logins in {rounds[-1].wall:.1f} s", flush=True)
    return rounds


def run() -> list[Figure]:
    """Set up a fresh database and site, serve with gunicorn, and measure logins per second:
    first on a site without gates, then with a gate, so that every login reads a live balance
    from anvil (half of the wallets hold the token)."""
    keys = [bytes(Account.create().key) for _ in range(ACCOUNTS)]
    with (
        temporary_database() as database_url,
        tempfile.TemporaryDirectory(prefix="tokengate-bench-") as data_dir,
        DevChain.start(chain_id=31337) as chain,
    ):
        chain.install_multicall()
        token = chain.deploy_token("Bench", "BNCH", 18)
        chain.set_balances(token, {Account.from_key(key).address: 10**20 for key in keys[::2]})
        env = service_env(database_url, data_dir)
        env["TOKENGATE_CHAINS"] = f"31337={chain.rpc_url}"
        api_key = prepare_site(env, DOMAIN)
        with gunicorn(env, WORKERS, Path(data_dir) / "gunicorn.log") as server:
            print(f"{server.base_url}: {WORKERS.describe()}; {CLIENTS} client processes", flush=True)
            plain = _rounds(server, database_url, api_key, keys, "no gates")
            _gate(server.base_url, api_key, token)
            gated = _rounds(server, database_url, api_key, keys, "live balance")
    figures = summarise(plain, CLIENTS)
    rate, gated_rate = (statistics.median(r.logins / r.wall for r in runs) for runs in (plain, gated))
    gated_cpu = sum(r.server_cpu + r.database_cpu for r in gated) / max(1, sum(r.logins for r in gated))
    figures += [
        info(
            "logins_per_second_live_balance",
            gated_rate,
            "logins/s",
            note=f"a gate on one token: each login also reads a live balance from anvil (aggregate3); "
            f"{rate:.0f}/s without gates in the same run; service CPU {1000 * gated_cpu:.1f} ms per login",
        ),
        info("live_balance_login_slowdown", rate / gated_rate, "x", note="logins/s without gates ÷ with a live read"),
    ]
    return figures
