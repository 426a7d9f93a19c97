"""The README's first command, end to end: `make demo`'s service on embedded defaults, a SIWE
login made with eth_account over real HTTP, and the token checked with the published JWKS."""

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

from .conftest import build_message, sign

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
)


def start_demo(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env["TOKENGATE_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "scripts/demo.py", "--port", str(port), "--chain-port", "0", "--refresh-interval", "10"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed = ""
    deadline = time.monotonic() + 90
    assert process.stdout is not None
    while "Press Ctrl-C to stop." not in printed and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        printed += line
    seen = {name: match.group(1) for name, pattern in PRINTED if (match := re.search(pattern, printed))}
    assert len(seen) == len(PRINTED), (
        f"demo did not print {set(dict(PRINTED)) - set(seen)} (exit {process.poll()}):\n{printed}"
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


def test_demo_gates_holders_and_revokes_after_a_sale(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process, demo = start_demo(tmp_path, port)
    try:
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

    # A second run reuses the site and its key; the fresh chain funds the holder again.
    process, again = start_demo(tmp_path, port)
    try:
        assert (again["site_id"], again["api_key"], again["token"]) == (demo["site_id"], demo["api_key"], demo["token"])
        assert login(base, again["api_key"], again["holder_key"])["gates"] == ["demo-holders"]
    finally:
        stop(process)
