"""`make demo`: the service on embedded defaults (SQLite, an in-process cache and a filesystem
Celery broker in ./var), a local anvil chain with the demo token and two demo wallets, a demo
site with a gate, a Celery worker and beat that keep holdings fresh, and the demo WordPress (a
private MariaDB and Debian's WordPress served by PHP on 127.0.0.1:8080) with the plugin
connected and three posts. Stays in the foreground; Ctrl-C stops everything it started.

A second run reuses the database, the demo site and its key (kept in var/demo-site.json,
readable only by you: the service itself stores keys hashed and cannot show them again) and the
WordPress admin password (var/demo-wordpress.json). The chain starts afresh each run; the token
lands at the same address, since anvil's first deployment from the same account always does.
The WordPress is installed afresh each run too (in a temporary folder, ~2 s): edits made in its
admin are not kept.

PHP, MariaDB and WordPress come from Debian packages: as root the demo installs what is missing
(scripts/install_debian_deps.sh); otherwise it prints the apt-get line and stops.
`--no-wordpress` runs the service part only."""

from __future__ import annotations

import argparse
import json
import os
import secrets
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
WORDPRESS_PORT = 8080  # the demo site's domains name it
WORDPRESS_ADMIN = "admin"
TOKEN_DECIMALS = 18
HOLDER_BALANCE = 1000  # DEMO, for anvil account 1
GATE_MINIMUM = "100"  # DEMO


def port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) != 0


def demo_site(data_dir: Path, token: str, chain_id: int, domains: list[str]) -> dict[str, str]:
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
        site, api_key = site_create(name=DEMO_NAME, domains=domains)
    elif not saved.get("api_key"):
        api_key = site_rotate_key(site=site)
    else:
        api_key = saved["api_key"]
    record.touch(mode=0o600)
    record.write_text(json.dumps({"site_id": site.public_id, "api_key": api_key}))
    if site.domains != domains:  # another --wordpress-port than last time
        Site.objects.filter(pk=site.pk).update(domains=domains)
        site.domains = domains

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


def wordpress_missing() -> list[str]:
    from tests.wordpress import missing_binaries

    return missing_binaries()


def ensure_wordpress_packages() -> bool:
    """PHP, MariaDB and WordPress are there, or (as root) installed now. False: the apt-get line
    was printed (not root, or the install failed)."""
    missing = wordpress_missing()
    if not missing:
        return True
    print(f"The demo WordPress needs: {', '.join(missing)}", file=sys.stderr)
    # As root it installs what is missing; as anyone else it prints the apt-get line, exit 1.
    if subprocess.run(["bash", str(ROOT / "scripts" / "install_debian_deps.sh")], check=False).returncode != 0:
        return False
    still = wordpress_missing()
    if still:
        print(f"still missing after the install: {', '.join(still)}", file=sys.stderr)
    return not still


def wordpress_password(data_dir: Path) -> str:
    """The admin password: made on the first run, kept in var/demo-wordpress.json (mode 600)."""
    record = data_dir / "demo-wordpress.json"
    saved = json.loads(record.read_text()) if record.exists() else {}
    if not saved.get("admin_password"):
        saved["admin_password"] = secrets.token_urlsafe(12)
        record.touch(mode=0o600)
        record.write_text(json.dumps(saved))
    return str(saved["admin_password"])


DEMO_POSTS = (
    (
        "members-only",
        "Members only: the DEMO holders' letter",
        "<p>Thank you for holding DEMO. This whole letter is for holders: the plugin shows everyone"
        " else the gate's teaser and a Connect wallet button.</p>"
        "<p>The secret word this month is <strong>lighthouse</strong>.</p>",
        {"_tokengate_gate": DEMO_GATE},
    ),
    (
        "partly-gated",
        "A partly gated post",
        "<p>Everyone reads this first paragraph: it sits outside the shortcode.</p>"
        f'[tokengate gate="{DEMO_GATE}"]<p>Only DEMO holders read this paragraph: it sits inside'
        f' <code>[tokengate gate="{DEMO_GATE}"]</code>.</p>[/tokengate]'
        "<p>And everyone reads this last paragraph again.</p>",
        {},
    ),
    (
        "public",
        "A public post",
        "<p>No gate here: every reader sees all of it, wallet or not.</p>",
        {},
    ),
)


def start_wordpress(port: int, password: str) -> tuple[Any, Any]:
    """A private MariaDB and a fresh WordPress on 127.0.0.1:port with the plugin activated."""
    from tests.wordpress import PrivateMariaDB, WordPress

    # The harness's work folders (MariaDB data, the WordPress copy, their logs) are temporary, in
    # /dev/shm when it can (or $TOKENGATE_HARNESS_TMPDIR): not in var/, whose path may be too long
    # for MariaDB's socket (107 bytes at most).
    db = PrivateMariaDB.start()
    try:
        wordpress = WordPress.start(
            db,
            plugins={"tokengate": ROOT / "wp-plugin" / "tokengate"},
            port=port,
            title=DEMO_NAME,
            admin_user=WORDPRESS_ADMIN,
            admin_password=password,
            admin_email="admin@localhost.localdomain",
        )
    except BaseException:
        db.stop()
        raise
    return db, wordpress


def connect_wordpress(wordpress: Any, service_url: str, api_key: str) -> dict[str, str]:
    """Connect the plugin to the service and write the demo posts; returns their URLs."""
    from tests.wordpress import connect_tokengate

    connect_tokengate(wordpress, service_url, api_key)
    urls = {}
    for slug, title, content, meta in DEMO_POSTS:
        post_id = wordpress.create_post(title, content, meta=meta, post_name=slug)
        urls[slug] = wordpress.permalink(post_id)
    return urls


def wait_healthy(base_url: str, processes: list[subprocess.Popen[bytes]], timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("a part of the service exited while starting")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the service did not answer {base_url}/healthz within {timeout:g} s")


def stop_on_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP all end the demo the same way: everything it started stops.

    SIGINT is (re)installed too: a shell that starts `make demo &` hands it over ignored."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)


def main() -> int:
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TOKENGATE_DEMO_PORT", "8000")))
    parser.add_argument("--chain-port", type=int, default=8545, help="anvil's port (a free one if taken)")
    parser.add_argument("--refresh-interval", type=int, default=30, help="seconds between holdings sweeps")
    parser.add_argument(
        "--wordpress-port",
        type=int,
        default=WORDPRESS_PORT,
        help=f"the demo WordPress's port on 127.0.0.1 (another than {WORDPRESS_PORT} is added to the site's domains)",
    )
    parser.add_argument("--no-wordpress", action="store_true", help="only the service, chain, worker and beat")
    args = parser.parse_args()
    base_url = f"http://{args.host}:{args.port}"
    wp_port = args.wordpress_port
    domains = list(DEMO_DOMAINS)
    if wp_port != WORDPRESS_PORT:
        domains += [f"localhost:{wp_port}", f"127.0.0.1:{wp_port}"]

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
    with_wordpress = not args.no_wordpress
    if with_wordpress and not ensure_wordpress_packages():
        print("(or run only the service: make demo DEMO_ARGS='--no-wordpress')", file=sys.stderr)
        return 1
    if with_wordpress and not port_free("127.0.0.1", wp_port):
        print(f"Port {wp_port} on 127.0.0.1 (the demo WordPress) is in use. Stop what runs there or:", file=sys.stderr)
        print("  make demo DEMO_ARGS='--wordpress-port 8081'", file=sys.stderr)
        return 1

    chain = start_chain(args.host, args.chain_port)
    processes: list[subprocess.Popen[bytes]] = []
    db: Any = None
    wordpress: Any = None
    try:
        os.environ["TOKENGATE_CHAINS"] = f"{chain.chain_id}={chain.rpc_url}"
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], check=True)
        site = demo_site(data_dir, chain.token, chain.chain_id, domains)

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
        if with_wordpress:
            db, wordpress = start_wordpress(wp_port, wordpress_password(data_dir))
        wait_healthy(base_url, processes)
        wordpress_text = ""
        if wordpress is not None:
            urls = connect_wordpress(wordpress, base_url, site["api_key"])
            wordpress_text = f"""
Demo WordPress at {wordpress.url}/  (the Token Gate plugin, connected to {base_url})
  Admin login     {wordpress.url}/wp-admin/  user {wordpress.admin_user} · password {wordpress.admin_password}
  Gated post      {urls["members-only"]}  (the whole post: {DEMO_GATE})
  Partly gated    {urls["partly-gated"]}  (one part in [tokengate gate="{DEMO_GATE}"])
  Public post     {urls["public"]}
  PHP logs        {wordpress.server_log}, {wordpress.debug_log}
  (installed afresh each run: edits are not kept)
"""
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

MetaMask (Settings → Networks → Add a network manually), then import a private key above:
  Network name    Token Gate demo (anvil)
  RPC URL         {chain.rpc_url}
  Chain ID        {chain.chain_id}
  Currency symbol ETH
{wordpress_text}
Holdings are swept every {args.refresh_interval} s (Celery beat + worker on the embedded broker).

Try it:
  curl -s -X POST -H "Authorization: Bearer {site["api_key"]}" {base_url}/api/v1/siwe/nonce

Press Ctrl-C to stop.
""",
            flush=True,
        )
        while all(process.poll() is None for process in processes) and chain.running:
            if wordpress is not None and not (wordpress.running and db.running):
                print(f"stopped: the demo WordPress or its MariaDB exited; see {wordpress.server_log}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        failed = [p.args[1] if isinstance(p.args, list) else p.args for p in processes if p.poll() is not None]
        print(f"stopped: a part exited ({failed}); see the logs in {logs}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)
        if wordpress is not None:
            wordpress.stop()
        if db is not None:
            db.stop()
        chain.stop()


if __name__ == "__main__":
    sys.exit(main())
