"""The README's first command, end to end: `make demo`'s service on embedded defaults, a SIWE
login made with eth_account over real HTTP, and the token checked with the published JWKS; and
the demo WordPress: it answers, shows an anonymous reader the gated post's teaser, lets the
holder read it after signing in through the plugin, and lets the admin log in.

Without PHP, MariaDB or WordPress the demo runs with --no-wordpress: the service part is still
proved, then the test skips locally (fails under CI=true)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from eth_account import Account

from tokengate import tokens

from .conftest import build_message, require, sign
from .wordpress import missing_binaries
from .wordpress_fixtures import HOW_TO_GET_WORDPRESS

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PRINTED = (
    ("site_id", r"Site id\s+(site_\w+)"),
    ("token", r"\(token (0x[0-9a-fA-F]{40})\)"),
    ("rpc_url", r"RPC URL (http://\S+)"),
    ("holder", r"Holder wallet\s+(0x[0-9a-fA-F]{40})"),
    ("holder_key", r"(?s)Holder wallet.*?private key\s+(0x[0-9a-f]{64})"),
    ("non_holder_key", r"(?s)Non-holder wallet.*?private key\s+(0x[0-9a-f]{64})"),
    ("api_key", r"Site API key\s+(tgsk_\S+)"),
    ("metamask_rpc_url", r"(?m)^\s+RPC URL\s+(http://\S+)$"),
    ("metamask_chain_id", r"Chain ID\s+(\d+)"),
    ("metamask_currency", r"Currency symbol\s+(\S+)"),
)
PRINTED_WORDPRESS = (
    ("wordpress", r"Demo WordPress at (http://[\d.:]+)/"),
    ("admin_user", r"Admin login\s+\S+\s+user (\S+)"),
    ("admin_password", r"Admin login\s+.*· password (\S+)"),
    ("gated_post", r"Gated post\s+(http://\S+)"),
    ("part_post", r"Partly gated\s+(http://\S+)"),
    ("public_post", r"Public post\s+(http://\S+)"),
)
WITH_WORDPRESS = not missing_binaries()
SECRET = "lighthouse"  # only in the body of the demo's gated post
TEASER = "Hold 100 DEMO to read the rest."  # the demo gate's teaser


def start_demo(data_dir: Path, port: int, wordpress_port: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env["TOKENGATE_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "scripts/demo.py", "--port", str(port), "--chain-port", "0", "--refresh-interval", "10"]
    command += ["--wordpress-port", str(wordpress_port)] if WITH_WORDPRESS else ["--no-wordpress"]
    expected = PRINTED + (PRINTED_WORDPRESS if WITH_WORDPRESS else ())
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed = ""
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    while "Press Ctrl-C to stop." not in printed and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        printed += line
    seen = {name: match.group(1) for name, pattern in expected if (match := re.search(pattern, printed))}
    assert len(seen) == len(expected), (
        f"demo did not print {set(dict(expected)) - set(seen)} (exit {process.poll()}):\n{printed}"
    )
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=10).ok:
                return process, seen
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("the demo service never answered /healthz")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def login(base: str, api_key: str, key: str | None = None) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {api_key}"}
    account = Account.from_key(key) if key else Account.create()
    nonce = requests.post(f"{base}/api/v1/siwe/nonce", headers=headers, timeout=10).json()
    message = build_message(
        address=account.address, nonce=nonce["nonce"], domain=nonce["domains"][0], chain_id=nonce["chain_ids"][0]
    )
    response = requests.post(
        f"{base}/api/v1/siwe/verify",
        json={"message": message, "signature": sign(account, message)},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["address"] == account.address
    return body


def refresh(base: str, api_key: str, refresh_token: object) -> dict[str, object]:
    response = requests.post(
        f"{base}/api/v1/sessions/refresh",
        json={"refresh_token": refresh_token},
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def sell(rpc_url: str, token: str, holder: str) -> None:
    """The holder (an unlocked anvil account) transfers all its DEMO to a fresh address."""

    def rpc(method: str, params: list[object]) -> object:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        return requests.post(rpc_url, json=body, timeout=10).json()["result"]

    balance = rpc("eth_call", [{"to": token, "data": "0x70a08231" + holder[2:].lower().rjust(64, "0")}, "latest"])
    to = Account.create().address[2:].lower().rjust(64, "0")
    data = "0xa9059cbb" + to + str(balance)[2:].rjust(64, "0")
    rpc("eth_sendTransaction", [{"from": holder, "to": token, "data": data}])


def check_wordpress(demo: dict[str, str], holder_key: str) -> None:
    """The demo WordPress answers; anonymous readers see teasers; the holder signs in and reads."""
    wp = demo["wordpress"]
    anonymous = requests.get(demo["gated_post"], timeout=30)
    assert anonymous.status_code == 200, anonymous.text[:500]
    assert TEASER in anonymous.text
    assert 'class="tokengate-cta"' in anonymous.text and "tokengate-connect" in anonymous.text
    assert SECRET not in anonymous.text
    part = requests.get(demo["part_post"], timeout=30).text
    assert "Everyone reads this first paragraph" in part and "Only DEMO holders read" not in part
    assert "No gate here" in requests.get(demo["public_post"], timeout=30).text

    # The holder signs in through the plugin's REST routes, as connect.js does in a browser.
    browser = requests.Session()
    nonce = browser.post(f"{wp}/wp-json/tokengate/v1/nonce", timeout=30)
    assert nonce.status_code == 201, nonce.text
    assert nonce.json()["chain_ids"] == [int(demo["metamask_chain_id"])]
    account = Account.from_key(holder_key)
    message = build_message(
        address=account.address,
        nonce=nonce.json()["nonce"],
        domain=wp.removeprefix("http://"),
        uri=demo["gated_post"],
        chain_id=int(demo["metamask_chain_id"]),
    )
    session = browser.post(
        f"{wp}/wp-json/tokengate/v1/session",
        json={"message": message, "signature": sign(account, message)},
        timeout=60,
    )
    assert session.status_code == 200, session.text
    assert session.json()["gates"] == ["demo-holders"]
    page = browser.get(demo["gated_post"], timeout=30).text
    assert SECRET in page and 'class="tokengate-cta"' not in page
    assert "Only DEMO holders read" in browser.get(demo["part_post"], timeout=30).text

    # The printed admin login works.
    admin = requests.Session()
    admin.cookies.set("wordpress_test_cookie", "WP Cookie check")
    answer = admin.post(
        f"{wp}/wp-login.php",
        data={"log": demo["admin_user"], "pwd": demo["admin_password"], "testcookie": "1"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    assert any(cookie.name.startswith("wordpress_logged_in_") for cookie in admin.cookies)


def test_demo_gates_holders_and_revokes_after_a_sale(tmp_path):
    port, wordpress_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    process, demo = start_demo(tmp_path, port, wordpress_port)
    try:
        assert (demo["metamask_rpc_url"], demo["metamask_chain_id"], demo["metamask_currency"]) == (
            demo["rpc_url"],
            "31337",
            "ETH",
        )
        if WITH_WORDPRESS:
            assert demo["wordpress"] == f"http://127.0.0.1:{wordpress_port}"
            check_wordpress(demo, demo["holder_key"])
        holder = login(base, demo["api_key"], demo["holder_key"])
        assert holder["gates"] == ["demo-holders"]
        assert login(base, demo["api_key"], demo["non_holder_key"])["gates"] == []
        anyone = login(base, demo["api_key"])
        assert anyone["gates"] == []
        keys = tokens.keys_from_jwks(requests.get(f"{base}/.well-known/jwks.json", timeout=10).json())
        claims = tokens.verify_access_token(
            holder["access_token"], keys=keys, audience=demo["site_id"], issuer=base, now=time.time()
        )
        assert claims["sub"] == demo["holder"]
        assert claims["gates"] == ["demo-holders"]

        # The holder sells; the demo's beat + worker sweep within ~10 s; a refresh then lacks the gate.
        sell(demo["rpc_url"], demo["token"], demo["holder"])
        refresh_token = holder["refresh_token"]
        deadline = time.monotonic() + 45
        gates: object = ["demo-holders"]
        while gates and time.monotonic() < deadline:
            time.sleep(1)
            refreshed = refresh(base, demo["api_key"], refresh_token)
            gates, refresh_token = refreshed["gates"], refreshed["refresh_token"]
        assert gates == [], "the sweep never took the gate away"
    finally:
        stop(process)
    assert process.returncode == 0

    # A second run reuses the site and its key (and the WordPress admin password); the fresh chain
    # funds the holder again; the WordPress is installed afresh and connected again.
    process, again = start_demo(tmp_path, port, wordpress_port)
    try:
        assert (again["site_id"], again["api_key"], again["token"]) == (demo["site_id"], demo["api_key"], demo["token"])
        assert login(base, again["api_key"], again["holder_key"])["gates"] == ["demo-holders"]
        if WITH_WORDPRESS:
            assert again["admin_password"] == demo["admin_password"]
            check_wordpress(again, again["holder_key"])
    finally:
        stop(process)
    assert process.returncode == 0
    if WITH_WORDPRESS:
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", wordpress_port)) != 0, "the demo WordPress outlived the demo"
    require(WITH_WORDPRESS, "PHP, MariaDB and WordPress (for the demo WordPress part)", HOW_TO_GET_WORDPRESS)
