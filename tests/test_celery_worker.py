"""Sweeps through Celery for real: a worker process on Redis, the same PostgreSQL test database
and the session's anvil. A holder signs in, sells, `tokengate.sweep` goes through the broker, the
worker stores the new balance, and the next refresh's token lacks the gate. And a chunk task run
twice, or late with an older block, leaves the rows as they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from eth_utils.address import to_checksum_address

from tokengate.models import Holding, Token, Wallet
from tokengate.services import keys
from tokengate.tasks import refresh_chunk

from .conftest import is_postgres, make_gate, require

REPO_ROOT = Path(__file__).resolve().parents[1]
# The worker's broker: Redis of REDIS_URL (or this machine's), database 14.
BROKER_DB = 14
HOW_TO_GET_REDIS = "start Redis on 127.0.0.1:6379 (or set REDIS_URL) and run `make test`"
HOW_TO_GET_POSTGRES = "run `make test` (DATABASE_URL=postgres://postgres@127.0.0.1:5432/tokengate)"
WAIT_SECONDS = 30.0


def broker_url() -> str:
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15")
    return urlunsplit(base._replace(path=f"/{BROKER_DB}", query=""))


def worker_database_url() -> str:
    """DATABASE_URL with the database pytest-django created (test_...) in place of its own."""
    name = connection.settings_dict["NAME"]
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path
    broker: str
    queue: str

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def pending(self) -> int:
        """Messages waiting on the worker's queue (at any priority)."""
        client = redis.Redis.from_url(self.broker)
        try:
            return sum(client.llen(key) for key in client.scan_iter(match=f"{self.queue}*"))
        finally:
            client.close()

    def wait_ready(self, timeout: float) -> None:
        """Until the worker consumes its queue (a message queued while it starts up can be missed)."""
        deadline = time.monotonic() + timeout
        while " ready." not in self.output():
            self.alive()
            assert time.monotonic() < deadline, f"the worker was not ready within {timeout:g} s:\n{self.output()}"
            time.sleep(0.05)

    def alive(self) -> None:
        assert self.process.poll() is None, f"the worker exited {self.process.returncode}:\n{self.output()}"

    def stop(self) -> None:
        """TERM to the worker's process group (a warm shutdown), KILL if it lingers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


@pytest.fixture
def broker() -> str:
    url = broker_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        require(False, f"Redis at {url}", HOW_TO_GET_REDIS)
    client.close()
    return url


# `celery -A config worker`, with the app's default queue set first: the sweep task queues its
# chunks on the default queue, and a queue of its own keeps this worker apart from any other
# worker on the same Redis database (another checkout running this test at the same time).
WORKER = (
    "import os, sys\n"
    "from config.celery import app\n"
    "app.conf.task_default_queue = os.environ['TOKENGATE_TEST_QUEUE']\n"
    "app.worker_main(sys.argv[1:])\n"
)


@pytest.fixture
def worker(broker: str, chain, tmp_path: Path) -> Iterator[Worker]:
    """A Celery worker (solo pool) on `broker`, the test database and the session's anvil."""
    require(is_postgres(), "PostgreSQL", HOW_TO_GET_POSTGRES)
    queue = f"tokengate-test-{uuid.uuid4().hex[:12]}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=worker_database_url(),
        DATABASE_CONN_MAX_AGE="0",  # no connection left open when pytest drops the test database
        CELERY_BROKER_URL=broker,
        TOKENGATE_TEST_QUEUE=queue,
        TOKENGATE_CHAINS=f"{chain.chain_id}={chain.rpc_url}",
        TOKENGATE_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        TOKENGATE_LOG_FORMAT="text",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-c",
        WORKER,
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--loglevel=INFO",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    started = Worker(process, log, broker, queue)
    try:
        yield started
    finally:
        started.stop()
        client = redis.Redis.from_url(broker)
        # This run's queue and kombu's bindings of it.
        keys = [*client.scan_iter(match=f"{queue}*"), *client.scan_iter(match=f"_kombu.*{queue}*")]
        if keys:
            client.delete(*keys)
        client.close()
        # Shown by pytest only when the test failed.
        print(f"--- celery worker log ({log}) ---\n{started.output()}")


def send(worker: Worker, task: str, *args: object) -> None:
    """Queue `task` for the worker as the beat or the web process would."""
    sender = Celery("tokengate-test", broker=worker.broker, set_as_current=False)
    sender.conf.task_serializer = "json"
    try:
        sender.send_task(task, args=list(args), queue=worker.queue)
    finally:
        sender.close()


def refresh(site_client, token: str):
    return site_client.post("/api/v1/sessions/refresh", {"refresh_token": token})


@pytest.mark.django_db(transaction=True)  # committed rows: the worker reads them on its own connection
def test_a_worker_sweep_takes_the_gate_away_at_the_next_refresh(worker, chain, client_site, account, other_account):
    gold = chain.deploy_token("Gold", "GOLD", 6)
    make_gate(client_site, "gold", [{"chain_id": chain.chain_id, "token_address": gold, "minimum": "100"}])
    chain.mint(gold, account.address, 150 * 10**6)
    login = client_site.login(account)
    assert login.status_code == 200, login.content
    assert login.json()["gates"] == ["gold"]

    chain.transfer(gold, account.address, other_account.address, 150 * 10**6)
    sold_at = chain.block_number()
    holding = Holding.objects.get(wallet__address=account.address)
    assert holding.balance == 150 * 10**6 and holding.block_number < sold_at

    worker.wait_ready(WAIT_SECONDS)  # it started before the login: this is rarely a wait
    send(worker, "tokengate.sweep")
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        holding.refresh_from_db()
        if holding.balance == 0:
            break
        worker.alive()
        assert time.monotonic() < deadline, (
            f"no sweep stored the sale within {WAIT_SECONDS:g} s ({worker.pending()} messages still queued):\n"
            f"{worker.output()}"
        )
        time.sleep(0.05)
    assert holding.block_number >= sold_at
    assert not holding.stale and holding.error == ""

    # The stored holding is fresh, so the refresh uses the worker's reading, not the chain.
    refreshed = refresh(client_site, login.json()["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed.json()["gates"] == []
    claims = keys.access_token_verify(refreshed.json()["access_token"], site=client_site.site)
    assert "gold" not in claims["gates"]


def rows(token_id: int) -> dict[int, tuple[object, ...]]:
    return {
        h.wallet_id: (h.balance, h.block_number, h.stale, h.error)
        for h in Holding.objects.filter(token_id=token_id).order_by("wallet_id")
    }


def run_chunk(chain_id: int, token_id: int, wallet_ids: list[int], block: int) -> dict[str, int]:
    result = refresh_chunk.apply(args=(chain_id, token_id, wallet_ids, block))
    assert result.successful(), result.traceback
    return dict(result.get())


def test_a_chunk_run_twice_or_late_leaves_the_same_rows(chain, client_site, account, other_account):
    gold = chain.deploy_token("Gold", "GOLD", 6)
    make_gate(client_site, "gold", [{"chain_id": chain.chain_id, "token_address": gold, "minimum": "1"}])
    token = Token.objects.get(chain_id=chain.chain_id, address=gold)
    third = to_checksum_address("0x" + "ab" * 20)
    wallets = [Wallet.objects.create(address=a) for a in (account.address, other_account.address, third)]
    ids = [w.pk for w in wallets]
    chain.mint(gold, account.address, 5 * 10**6)
    chain.mint(gold, other_account.address, 7)
    before = chain.block_number()

    assert run_chunk(chain.chain_id, token.pk, ids, before) == {"calls": 3, "unknown": 0}
    first = rows(token.pk)
    assert first == {
        ids[0]: (5 * 10**6, before, False, ""),
        ids[1]: (7, before, False, ""),
        ids[2]: (0, before, False, ""),
    }
    assert run_chunk(chain.chain_id, token.pk, ids, before) == {"calls": 3, "unknown": 0}
    assert rows(token.pk) == first

    # A newer block's reading replaces the rows...
    chain.transfer(gold, account.address, third, 2 * 10**6)
    after = chain.block_number()
    run_chunk(chain.chain_id, token.pk, ids, after)
    newer = rows(token.pk)
    assert newer == {
        ids[0]: (3 * 10**6, after, False, ""),
        ids[1]: (7, after, False, ""),
        ids[2]: (2 * 10**6, after, False, ""),
    }
    # ...and a late retry of the chunk planned at the older block does not move them back.
    run_chunk(chain.chain_id, token.pk, ids, before)
    assert rows(token.pk) == newer
    assert Holding.objects.filter(token=token).count() == 3
