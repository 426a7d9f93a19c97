"""The whole stack for plugin tests: anvil with a token, the service under gunicorn on its own
PostgreSQL database, and a real WordPress with the plugin connected to it."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount

from bench.pg import temporary_database
from bench.server import Server, Workers, gunicorn, manage, service_env
from tests.conftest import build_message, sign
from tests.wordpress import PrivateMariaDB, WordPress, connect_tokengate
from tokengate.chain.devchain import DevChain

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "wp-plugin" / "tokengate"

# Every outbound HTTP request WordPress makes is written to a file, one URL a line.
COUNT_HTTP = """<?php
add_filter( 'pre_http_request', function ( $pre, $args, $url ) {
	file_put_contents( WP_CONTENT_DIR . '/outbound.log', $url . "\\n", FILE_APPEND | LOCK_EX );
	return $pre;
}, 10, 3 );
"""


@dataclass
class Stack:
    chain: DevChain
    service: Server
    env: dict[str, str]
    wordpress: WordPress
    site_id: str
    api_key: str
    token: str
    holder: LocalAccount
    outsider: LocalAccount
    posts: dict[str, int] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return self.wordpress.url.removeprefix("http://")

    def service_api(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method,
            self.service.base_url + path,
            json=body,
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )

    def create_gate(self, slug: str, minimum: str, *, name: str = "Gold readers", teaser: str = "") -> None:
        """A gate on the stack's token, created at the service and synced into the plugin's cache."""
        body = {
            "slug": slug,
            "name": name,
            "teaser": teaser,
            "requirements": [{"chain_id": 31337, "token_address": self.token, "minimum": minimum}],
        }
        answer = self.service_api("POST", "/api/v1/gates", body)
        assert answer.status_code == 201, answer.text
        self.wordpress.php("Tokengate_Client::sync();")

    def django(self, code: str) -> str:
        """Run Python in the service's Django (its database, its keys); returns stdout."""
        return manage(self.env, "shell", "-c", code).strip()

    def issue_token(self, *, site_id: str, address: str, gates: list[str], seconds_ago: int = 0) -> str:
        """An access token signed by the service's real key, for any site, issued in the past."""
        code = f"""
from datetime import timedelta
from django.utils import timezone
from tokengate.gates import GateDecision
from tokengate.models import Site
from tokengate.services.keys import access_token_issue
site = Site.objects.get(public_id={site_id!r})
token, _ = access_token_issue(site=site, address={address!r},
    decision=GateDecision(slugs=tuple({gates!r}), gate_set_version=site.gate_set_version),
    now=timezone.now() - timedelta(seconds={seconds_ago}))
print(token)
"""
        return self.django(code).splitlines()[-1]

    def outbound(self) -> list[str]:
        log = self.wordpress.root / "wp-content" / "outbound.log"
        return log.read_text().splitlines() if log.exists() else []

    def login(self, account: LocalAccount) -> requests.Session:
        """A reader's browser session, signed in through the plugin's REST routes."""
        browser = requests.Session()
        nonce = browser.post(f"{self.wordpress.url}/wp-json/tokengate/v1/nonce", timeout=30)
        assert nonce.status_code == 201, nonce.text
        message = build_message(
            address=account.address,
            nonce=nonce.json()["nonce"],
            domain=self.domain,
            uri=f"{self.wordpress.url}/",
            chain_id=31337,
        )
        answer = browser.post(
            f"{self.wordpress.url}/wp-json/tokengate/v1/session",
            json={"message": message, "signature": sign(account, message)},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        browser.login_answer = answer.json()  # type: ignore[attr-defined]
        return browser


@contextmanager
def plugin_stack(db: PrivateMariaDB, devchain: DevChain) -> Iterator[Stack]:
    with ExitStack() as stack:
        token = devchain.deploy_token("Gold", "GOLD", 6)
        holder, outsider = Account.create(), Account.create()
        devchain.mint(token, holder.address, 150 * 10**6)

        wordpress = stack.enter_context(WordPress.start(db, plugins={"tokengate": PLUGIN}, title="Gated Blog"))
        (wordpress.root / "wp-content" / "mu-plugins" / "count-http.php").write_text(COUNT_HTTP)

        database_url = stack.enter_context(temporary_database("tokengate_plugin"))
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="tokengate-plugin-"))
        env = service_env(database_url, data_dir)
        env["TOKENGATE_CHAINS"] = f"31337={devchain.rpc_url}"
        manage(env, "migrate", "--no-input")
        domain = wordpress.url.removeprefix("http://")
        created = json.loads(manage(env, "tokengate_site", "add", "--name", "Gated Blog", "--domain", domain, "--json"))
        # The plugin learns the issuer from GET /api/v1/site, so the default TOKENGATE_ISSUER will do.
        service = stack.enter_context(gunicorn(env, Workers(count=2), Path(data_dir) / "gunicorn.log"))
        connect_tokengate(wordpress, service.base_url, created["api_key"])
        yield Stack(
            chain=devchain,
            service=service,
            env=env,
            wordpress=wordpress,
            site_id=created["site_id"],
            api_key=created["api_key"],
            token=token,
            holder=holder,
            outsider=outsider,
        )


def marker_free(text: str, *markers: str) -> bool:
    return not any(re.search(re.escape(m), text, re.IGNORECASE) for m in markers)
