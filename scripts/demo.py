"""`make demo`: the service on embedded defaults (SQLite, an in-process cache and a filesystem
Celery broker in ./var), a local anvil chain with the demo token and two demo wallets, a demo
site with a gate, and a Celery worker and beat that keep holdings fresh. Stays in the
foreground; Ctrl-C stops everything it started.

A second run reuses the database, the demo site and its key (kept in var/demo-site.json,
readable only by you: the service itself stores keys hashed and cannot show them again). The
chain starts afresh each run; the token lands at the same address, since anvil's first
deployment from the same account always does."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_NAME = "Demo WordPress"
DEMO_DOMAINS = ["localhost:8080", "127.0.0.1:8080"]
DEMO_GATE = "demo-holders"
TOKEN_DECIMALS = 18
HOLDER_BALANCE = 1000  # DEMO, for anvil account 1
GATE_MINIMUM = "100"  # DEMO


def port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) != 0


def demo_site(data_dir: Path, token: str, chain_id: int) -> dict[str, str]:
    """The demo site's id and key (created on the first run, reused afterwards) and its gate."""
    import django

    django.setup()
    from tokengate.models import Site
    from tokengate.services.gates import RequirementIn, gate_create, gate_replace
    from tokengate.services.sites import site_create, site_rotate_key

    record = data_dir / "demo-site.json"
    saved = json.loads(record.read_text()) if record.exists() else {}
    site = Site.objects.filter(public_id=saved.get("site_id", "")).first()
    if site is None:
        site, api_key = site_create(name=DEMO_NAME, domains=DEMO_DOMAINS)
    elif not saved.get("api_key"):
        api_key = site_rotate_key(site=site)
    else:
        api_key = saved["api_key"]
    record.touch(mode=0o600)
    record.write_text(json.dumps({"site_id": site.public_id, "api_key": api_key}))

    gate: dict[str, Any] = {
        "site": site,
        "slug": DEMO_GATE,
        "name": "Demo token holders",
        "teaser": f"Hold {GATE_MINIMUM} DEMO to read the rest.",
        "mode": "all",
        "requirements": [RequirementIn(chain_id=chain_id, token_address=token, minimum=GATE_MINIMUM)],
    }
    if site.gates.filter(slug=DEMO_GATE).exists():
        gate_replace(**gate)
    else:
        gate_create(**gate)
    return {"site_id": site.public_id, "api_key": api_key, "domains": ", ".join(site.domains)}


def start_chain(host: str, port: int) -> Any:
    """anvil with our Multicall at Multicall3's address, the demo token, and a funded holder."""
    from tokengate.chain.devchain import DevChain

    chain = DevChain.start(chain_id=31337, port=port if port_free(host, port) else 0, host=host)
    chain.install_multicall()
    token = chain.deploy_token("Demo Token", "DEMO", TOKEN_DECIMALS)
    chain.mint(token, chain.accounts[1][0], HOLDER_BALANCE * 10**TOKEN_DECIMALS)
    chain.token = token  # type: ignore[attr-defined]
    return chain


def spawn(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TOKENGATE_DEMO_PORT", "8000")))
    parser.add_argument("--chain-port", type=int, default=8545, help="anvil's port (a free one if taken)")
    parser.add_argument("--refresh-interval", type=int, default=30, help="seconds between holdings sweeps")
    args = parser.parse_args()
    base_url = f"http://{args.host}:{args.port}"

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TOKENGATE_ISSUER", base_url)
    os.environ.setdefault("TOKENGATE_LOG_FORMAT", "text")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["TOKENGATE_REFRESH_INTERVAL"] = str(args.refresh_interval)
    os.environ.pop("CELERY_BROKER_URL", None)  # the embedded broker: nothing else to run
    data_dir = Path(os.environ.setdefault("TOKENGATE_DATA_DIR", str(ROOT / "var")))
    data_dir.mkdir(parents=True, exist_ok=True)

    if not port_free(args.host, args.port):
        print(f"Port {args.port} on {args.host} is in use. Stop what runs there or pick another port:", file=sys.stderr)
        print("  make demo DEMO_ARGS='--port 8001'", file=sys.stderr)
        return 1

    chain = start_chain(args.host, args.chain_port)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        os.environ["TOKENGATE_CHAINS"] = f"{chain.chain_id}={chain.rpc_url}"
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], check=True)
        site = demo_site(data_dir, chain.token, chain.chain_id)

        bin_dir = Path(sys.executable).parent
        gunicorn = shutil.which("gunicorn", path=str(bin_dir)) or "gunicorn"
        celery = shutil.which("celery", path=str(bin_dir)) or "celery"
        logs = data_dir / "logs"
        logs.mkdir(exist_ok=True)
        processes.append(
            spawn(
                [gunicorn, "config.wsgi", "--bind", f"{args.host}:{args.port}", "--workers", "2", "--preload"],
                logs / "web.log",
            )
        )
        processes.append(
            spawn([celery, "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"], logs / "worker.log")
        )
        schedule = str(data_dir / "celerybeat-schedule")
        processes.append(
            spawn([celery, "-A", "config", "beat", "--schedule", schedule, "--loglevel=INFO"], logs / "beat.log")
        )
        holder, non_holder = chain.accounts[1], chain.accounts[2]
        print(
            f"""
Token Gate is running at {base_url}  (embedded defaults: SQLite in {data_dir})

  API docs        {base_url}/api/docs/
  JWKS            {base_url}/.well-known/jwks.json
  Django admin    {base_url}/admin/  (create a login: .venv/bin/python manage.py createsuperuser)
  Logs            {logs}/ (web, worker, beat)

Demo site "{DEMO_NAME}"
  Site id         {site["site_id"]}
  Domains         {site["domains"]}
  Site API key    {site["api_key"]}
  Gate            {DEMO_GATE}: hold {GATE_MINIMUM} DEMO (token {chain.token})

Local chain (anvil)  RPC URL {chain.rpc_url} · chain id {chain.chain_id} · currency ETH
  Holder wallet      {holder[0]}  ({HOLDER_BALANCE} DEMO)
    private key      {holder[1]}
  Non-holder wallet  {non_holder[0]}  (0 DEMO)
    private key      {non_holder[1]}
  (anvil's well-known test keys: never send real funds to them)

Holdings are swept every {args.refresh_interval} s (Celery beat + worker on the embedded broker).

Try it:
  curl -s -X POST -H "Authorization: Bearer {site["api_key"]}" {base_url}/api/v1/siwe/nonce

Press Ctrl-C to stop.
""",
            flush=True,
        )
        while all(process.poll() is None for process in processes) and chain.running:
            time.sleep(0.5)
        failed = [p.args[1] if isinstance(p.args, list) else p.args for p in processes if p.poll() is not None]
        print(f"stopped: a part exited ({failed}); see the logs in {logs}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)
        chain.stop()


if __name__ == "__main__":
    sys.exit(main())
