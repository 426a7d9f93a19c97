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


def start_demo(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env["TOKENGATE_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "scripts/demo.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen: dict[str, str] = {}
    deadline = time.monotonic() + 90
    assert process.stdout is not None
    while "api_key" not in seen and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        for name, pattern in (("site_id", r"Site id\s+(site_\w+)"), ("api_key", r"Site API key\s+(tgsk_\S+)")):
            if match := re.search(pattern, line):
                seen[name] = match.group(1)
    assert "api_key" in seen, f"demo did not print a site key (exit {process.poll()})"
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


def login(base: str, api_key: str) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {api_key}"}
    account = Account.create()
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


def test_demo_login_token_verifies_with_published_jwks(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process, demo = start_demo(tmp_path, port)
    try:
        body = login(base, demo["api_key"])
        keys = tokens.keys_from_jwks(requests.get(f"{base}/.well-known/jwks.json", timeout=10).json())
        claims = tokens.verify_access_token(
            body["access_token"], keys=keys, audience=demo["site_id"], issuer=base, now=time.time()
        )
        assert claims["sub"] == body["address"]
    finally:
        stop(process)
    assert process.returncode == 0

    # A second run reuses the site and its key.
    process, again = start_demo(tmp_path, port)
    try:
        assert again == demo
        login(base, again["api_key"])
    finally:
        stop(process)
