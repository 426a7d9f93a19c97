"""Benchmark 3: holdings sweeps, 10,000 and 100,000 holders of one token on anvil and PostgreSQL.

Setup: anvil with our Multicall at Multicall3's address, a DemoToken whose balances are written
straight into storage (`set_balances`), a throwaway PostgreSQL database with one site, one gate
on the token, and one wallet and one live refresh session per holder, so that `sweep_plan`
yields them all. Every Django step runs in a child process (`python -m bench.sweep ...`): the
harness process stays free of Django, and the 100,000-holder sweep runs alone in a fresh
process whose peak RSS is its own.

- chain reads: `reader.read_balances` for 10,000 holders in chunks of 500 at one pinned block,
  as `chunk_refresh` calls it (aggregate3 eth_calls);
- whole sweep: `sweep_blocks` + `sweep_plan` + `chunk_refresh` for every chunk, upserts included;
- baseline: web3.py's `contract.functions.balanceOf(holder).call()` one holder at a time
  (HTTPProvider, default middleware) on a sample, scaled to 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_hash.auto import keccak

from .figures import Figure, at_least, at_most, info
from .pg import temporary_database

ROOT = Path(__file__).resolve().parent.parent
SMALL = int(os.environ.get("BENCH_SWEEP_HOLDERS", "10000"))
BIG = int(os.environ.get("BENCH_SWEEP_BIG_HOLDERS", "100000"))
BASELINE_SAMPLE = int(os.environ.get("BENCH_SWEEP_BASELINE_SAMPLE", "500"))
READ_REPEATS = 5
SWEEP_REPEATS = 3
CHUNK = 500
CHAIN_ID = 31337
ROW_BATCH = 5000


# --- test data: the same in every process -------------------------------------------------


def holder(i: int) -> str:
    """Holder `i`'s EIP-55 address: 20 bytes of keccak("bench-holder-i"), checksummed by hand."""
    digits = keccak(f"bench-holder-{i}".encode())[:20].hex()
    hashed = keccak(digits.encode()).hex()
    return "0x" + "".join(c.upper() if h >= "8" else c for c, h in zip(digits, hashed[:40], strict=True))


def balance(i: int) -> int:
    """Holder `i`'s raw balance: every tenth holds nothing, the others 1..997 tokens (6 decimals)."""
    return 0 if i % 10 == 0 else (i % 997 + 1) * 10**6


# --- the harness side ---------------------------------------------------------------------


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run `python -m bench.sweep ARGS`; its last stdout line is a JSON object."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.sweep", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.sweep {args[0]} exited {result.returncode}:\n{result.stdout[-4000:]}")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def run() -> list[Figure]:
    """Start anvil and a database, fill them, and measure the sweeps in child processes."""
    from tokengate.chain.devchain import DevChain  # knows nothing of Django

    started = time.perf_counter()
    addresses = [holder(i) for i in range(BIG)]
    with (
        DevChain.start(chain_id=CHAIN_ID) as chain,
        temporary_database() as database_url,
        tempfile.TemporaryDirectory(prefix="tokengate-bench-") as data_dir,
    ):
        chain.install_multicall()
        token = chain.deploy_token("Bench", "BENCH", 6)
        chain.set_balances(token, {a: balance(i) for i, a in enumerate(addresses) if balance(i)})
        print(f"  anvil {chain.rpc_url}: {BIG} balances set in {time.perf_counter() - started:.1f} s", flush=True)
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=database_url,
            TOKENGATE_DATA_DIR=data_dir,
            TOKENGATE_CHAINS=f"{CHAIN_ID}={chain.rpc_url}",
            TOKENGATE_SWEEP_CHUNK=str(CHUNK),
            LOG_LEVEL="WARNING",
            PYTHONWARNINGS="ignore",
        )
        env.pop("REDIS_URL", None)
        holders_file = Path(data_dir) / "holders.txt"
        holders_file.write_text("\n".join(addresses) + "\n")
        env["BENCH_SWEEP_HOLDERS_FILE"] = str(holders_file)
        small = _child(env, "small", token, chain.rpc_url)
        big = _child(env, "big", token)

    speedup = small["baseline_10k_s"] / small["chain_s"]
    per_call_ms = 1000 * small["baseline_s"] / small["baseline_calls"]
    return [
        at_most(
            "sweep_10k_chain_s",
            small["chain_s"],
            "s",
            1.0,
            note=(
                f"reader.read_balances, {SMALL} holders in {small['chunks']} aggregate3 calls of {CHUNK} at one "
                f"pinned block; median of {READ_REPEATS} ({', '.join(f'{s:.2f}' for s in small['chain_runs'])})"
            ),
        ),
        at_most(
            "sweep_10k_total_s",
            small["total_s"],
            "s",
            3.0,
            note=(
                f"sweep_blocks + sweep_plan + chunk_refresh x {small['chunks']} (wallets, aggregate3, upsert on "
                f"PostgreSQL); median of {SWEEP_REPEATS} sweeps, a block apart "
                f"({', '.join(f'{s:.2f}' for s in small['total_runs'])}; the first inserts, the others update)"
            ),
        ),
        at_least(
            "sweep_10k_speedup",
            speedup,
            "x",
            50,
            baseline=small["baseline_10k_s"],
            note=(
                f"baseline: web3 contract.functions.balanceOf(a).call() one holder at a time (HTTPProvider, default "
                f"middleware), {small['baseline_calls']} holders measured ({per_call_ms:.2f} ms each), scaled to "
                f"{SMALL}: {small['baseline_10k_s']:.1f} s; over sweep_10k_chain_s"
            ),
        ),
        info(
            "sweep_100k_total_s",
            big["total_s"],
            "s",
            note=f"{big['calls']} reads in {big['chunks']} chunks in a fresh process; {BIG - SMALL} holdings inserted",
        ),
        at_most(
            "sweep_100k_peak_mb",
            big["peak_mb"],
            "MB",
            250,
            note=(
                f"peak RSS (VmHWM) of the process that ran the {BIG}-holder sweep, Django and imports included; "
                f"{big['start_mb']:.0f} MB before the sweep"
            ),
        ),
    ]


# --- the child side (Django) --------------------------------------------------------------


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _holders() -> list[str]:
    """The holders' addresses in index order, as the harness wrote them."""
    return Path(os.environ["BENCH_SWEEP_HOLDERS_FILE"]).read_text().split()


def _log(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def _populate(token_address: str, addresses: list[str], start: int, stop: int) -> None:
    """Rows for holders start..stop-1: wallets and live refresh sessions (plus the site, token and
    gate on the first call)."""
    from datetime import timedelta

    from django.utils import timezone

    from tokengate.models import Gate, GateRequirement, RefreshSession, Site, Token, Wallet
    from tokengate.services.sites import site_create

    now = timezone.now()
    site = Site.objects.filter(name="Bench").first()
    if site is None:
        site, _ = site_create(name="Bench", domains=["bench.example"])
        token = Token.objects.create(
            chain_id=CHAIN_ID, address=token_address, name="Bench", symbol="BENCH", decimals=6, looked_up_at=now
        )
        gate = Gate.objects.create(site=site, slug="bench", name="Bench")
        GateRequirement.objects.create(gate=gate, token=token, minimum=10**6)
    expires = now + timedelta(days=30)
    for first in range(start, stop, ROW_BATCH):
        numbers = range(first, min(stop, first + ROW_BATCH))
        wallets = Wallet.objects.bulk_create([Wallet(address=addresses[i], created_at=now) for i in numbers])
        RefreshSession.objects.bulk_create(
            RefreshSession(site=site, wallet_id=w.pk, token_hash=f"{i:064x}", created_at=now, expires_at=expires)
            for i, w in zip(numbers, wallets, strict=True)
        )


def _sweep() -> tuple[int, int, int]:
    """One whole sweep, as `manage.py tokengate_refresh` runs it: (chunks, calls, unknown)."""
    from tokengate.services import sweep as sweeps

    chunks = calls = unknown = 0
    blocks = sweeps.sweep_blocks()
    for chunk in sweeps.sweep_plan(blocks=blocks):
        result = sweeps.chunk_refresh(
            chain_id=chunk.chain_id,
            token_id=chunk.token_id,
            wallet_ids=chunk.wallet_ids,
            block_number=chunk.block_number,
        )
        chunks += 1
        calls += result.calls
        unknown += result.unknown
    return chunks, calls, unknown


def _check_holdings(count: int) -> None:
    """Every holding was read, none is stale, and the balances are the ones set on the chain."""
    from django.db.models import Sum

    from tokengate.models import Holding

    rows = Holding.objects.aggregate(total=Sum("balance"))
    stored, stale = Holding.objects.count(), Holding.objects.filter(stale=True).count()
    expected = sum(balance(i) for i in range(count))
    if stored != count or stale or int(rows["total"] or 0) != expected:
        raise RuntimeError(f"{stored} holdings ({stale} stale), total {rows['total']}; expected {count}, {expected}")


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def child_small(token_address: str, rpc_url: str) -> dict[str, Any]:
    """Migrate, add 10,000 holders, measure chain reads, whole sweeps and web3; then add the rest."""
    _django()
    from django.core.management import call_command
    from web3 import Web3

    from tokengate.chain import reader
    from tokengate.chain.devchain import artifact
    from tokengate.models import Holding
    from tokengate.services.chains import chain_configs

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    everyone = _holders()
    _populate(token_address, everyone, 0, SMALL)
    _log(f"{SMALL} wallets and sessions in {time.perf_counter() - started:.1f} s")

    config = chain_configs()[CHAIN_ID]
    client = config.client()
    addresses = everyone[:SMALL]  # wallet id order, as the sweep reads them
    expected = [balance(i) for i in range(SMALL)]
    pinned = reader.block_number(client)

    def read_all() -> list[int | None]:
        balances: list[int | None] = []
        for start in range(0, SMALL, CHUNK):
            part, block = reader.read_balances(
                client,
                token=token_address,
                holders=addresses[start : start + CHUNK],
                multicall=config.multicall,
                block=pinned,
            )
            assert block == pinned
            balances += part
        return balances

    if read_all() != expected:
        raise RuntimeError("read_balances answered other balances than set_balances wrote")
    chain_runs = [_timed(read_all) for _ in range(READ_REPEATS)]

    total_runs = []
    for _ in range(SWEEP_REPEATS):
        client.call("anvil_mine", ["0x1"])  # every sweep reads a newer block, so every upsert writes
        started = time.perf_counter()
        chunks, calls, unknown = _sweep()
        total_runs.append(time.perf_counter() - started)
        if (calls, unknown) != (SMALL, 0):
            raise RuntimeError(f"the sweep made {calls} calls ({unknown} unknown), expected {SMALL}")
        _check_holdings(SMALL)
    if Holding.objects.exclude(block_number=pinned + SWEEP_REPEATS).exists():
        raise RuntimeError("a holding was not stored at the last sweep's block")

    web3 = Web3(Web3.HTTPProvider(rpc_url))
    contract = web3.eth.contract(address=Web3.to_checksum_address(token_address), abi=artifact("DemoToken")["abi"])
    sample = addresses[:BASELINE_SAMPLE]
    contract.functions.balanceOf(sample[0]).call()  # warm up the connection
    started = time.perf_counter()
    naive = [contract.functions.balanceOf(a).call() for a in sample]
    baseline = time.perf_counter() - started
    if naive != expected[:BASELINE_SAMPLE]:
        raise RuntimeError("web3 answered other balances than set_balances wrote")

    started = time.perf_counter()
    _populate(token_address, everyone, SMALL, BIG)
    _log(f"{BIG - SMALL} more wallets and sessions in {time.perf_counter() - started:.1f} s")
    return {
        "chunks": chunks,
        "chain_s": statistics.median(chain_runs),
        "chain_runs": chain_runs,
        "total_s": statistics.median(total_runs),
        "total_runs": total_runs,
        "baseline_s": baseline,
        "baseline_calls": len(sample),
        "baseline_10k_s": baseline * SMALL / len(sample),
    }


def child_big() -> dict[str, Any]:
    """The 100,000-holder sweep, alone in this process; peak RSS at the end."""
    _django()
    from django.db import connection

    connection.ensure_connection()
    start_mb = _rss_mb("VmRSS")
    started = time.perf_counter()
    chunks, calls, unknown = _sweep()
    seconds = time.perf_counter() - started
    peak_mb = _rss_mb("VmHWM")
    if (calls, unknown) != (BIG, 0):
        raise RuntimeError(f"the sweep made {calls} calls ({unknown} unknown), expected {BIG}")
    _check_holdings(BIG)
    return {"total_s": seconds, "chunks": chunks, "calls": calls, "peak_mb": peak_mb, "start_mb": start_mb}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description="child steps of the sweep benchmark")
    steps = parser.add_subparsers(dest="step", required=True)
    small = steps.add_parser("small")
    small.add_argument("token")
    small.add_argument("rpc_url")
    big = steps.add_parser("big")
    big.add_argument("token")
    args = parser.parse_args(argv)
    answer = child_small(args.token, args.rpc_url) if args.step == "small" else child_big()
    print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
