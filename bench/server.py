"""The service under test: migrate a database, add a site, run gunicorn on a free loopback port."""

from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .cpu import children

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.py"  # the production settings; the bench serves with them


@dataclass(frozen=True)
class Workers:
    """How gunicorn serves: `sync` workers, or `gthread` workers with `threads` threads each."""

    count: int = 2
    worker_class: str = "sync"
    threads: int = 1

    @classmethod
    def from_config(cls, count: int = 0, worker_class: str = "", threads: int = 0) -> Workers:
        """The setup config/gunicorn.py gives (in this environment), with the fields given overridden."""
        config = runpy.run_path(str(GUNICORN_CONFIG))
        return cls(
            count=count or int(config["workers"]),
            worker_class=worker_class or str(config["worker_class"]),
            threads=threads or int(config["threads"]),
        )

    def describe(self) -> str:
        """E.g. '2 sync workers' or '2 gthread workers x 4 threads'."""
        text = f"{self.count} {self.worker_class} worker{'s' if self.count > 1 else ''}"
        return text + (f" x {self.threads} threads" if self.worker_class == "gthread" else "")


def service_env(database_url: str, data_dir: str) -> dict[str, str]:
    """The environment every command of the service gets: this database, this data folder, no limits."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        TOKENGATE_DATA_DIR=data_dir,
        DJANGO_ALLOWED_HOSTS=HOST,
        TOKENGATE_RATE_LIMIT_IP="1000000/min",
        TOKENGATE_RATE_LIMIT_SITE="1000000/min",
        LOG_LEVEL="WARNING",
        PYTHONWARNINGS="ignore",
    )
    env.pop("REDIS_URL", None)  # rate limits in the in-process cache: nothing else to run
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run `manage.py ARGS` with `env`; return its stdout, or raise with its output when it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare_site(env: dict[str, str], domain: str) -> str:
    """Migrate the database and add a site for `domain`; returns the site's API key."""
    manage(env, "migrate", "--no-input")
    created = json.loads(manage(env, "tokengate_site", "add", "--name", "Bench", "--domain", domain, "--json"))
    return str(created["api_key"])


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:g} s:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the gunicorn process group this module started: TERM, then KILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@dataclass(frozen=True)
class Server:
    """A running gunicorn: where it listens and its master's process id."""

    base_url: str
    pid: int

    def pids(self) -> list[int]:
        """The master and its workers."""
        return [self.pid, *children(self.pid)]


@contextmanager
def gunicorn(env: dict[str, str], workers: Workers, log: Path) -> Iterator[Server]:
    """Serve config.wsgi with gunicorn and config/gunicorn.py on a free loopback port; yield it; stop it after.

    The worker flags repeat (or override) the config file's, so `workers` says what runs."""
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        f"--config={GUNICORN_CONFIG}",
        "config.wsgi",
        f"--bind={HOST}:{port}",
        f"--workers={workers.count}",
        f"--worker-class={workers.worker_class}",
        f"--threads={workers.threads}",
        "--log-level=warning",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink, start_new_session=True)
    try:
        base_url = f"http://{HOST}:{port}"
        _wait_healthy(base_url, process, log)
        yield Server(base_url, process.pid)
    finally:
        _stop(process)
