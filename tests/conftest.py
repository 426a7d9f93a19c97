"""Shared fixtures: sites with keys, test wallets, and SIWE messages built like a wallet would."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from rest_framework.test import APIClient

from tokengate import gates
from tokengate.models import Site
from tokengate.services.chains import chains_changed
from tokengate.services.sites import site_create

pytest_plugins = ["tests.chain_fixtures", "tests.wordpress_fixtures"]

IN_CI = os.environ.get("CI", "").lower() == "true"
DOMAIN = "reader.example"


def require(condition: bool, what: str, how: str) -> None:
    """Skip locally with instructions when a real dependency is missing; fail under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI: {how}")
    pytest.skip(f"{what} is not available: {how}")


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_CI and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError("CI=true needs the tests on PostgreSQL: run them with `make test`.")
    if IN_CI and not os.environ.get("REDIS_URL"):
        raise pytest.UsageError("CI=true needs REDIS_URL (Redis on 127.0.0.1:6379): run them with `make test`.")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    # Rate-limit counters live in the cache (Redis in `make test`); start every test at zero.
    cache.clear()
    chains_changed()
    gates._RULES_CACHE.clear()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_message(
    *,
    address: str,
    nonce: str,
    domain: str = DOMAIN,
    uri: str | None = None,
    chain_id: int = 31337,
    issued_at: datetime | None = None,
    expiration_time: datetime | None = None,
    not_before: datetime | None = None,
    statement: str | None = "Sign in to read token-gated content.",
    version: str = "1",
) -> str:
    """An EIP-4361 message laid out exactly as the spec (and connect.js) writes it."""
    lines = [f"{domain} wants you to sign in with your Ethereum account:", address, ""]
    # No statement leaves an empty line where it would be (EIP-4361's grammar).
    lines += [statement, ""] if statement is not None else [""]
    lines += [
        f"URI: {uri or f'https://{domain}/login'}",
        f"Version: {version}",
        f"Chain ID: {chain_id}",
        f"Nonce: {nonce}",
        f"Issued At: {iso(issued_at or datetime.now(UTC))}",
    ]
    if expiration_time is not None:
        lines.append(f"Expiration Time: {iso(expiration_time)}")
    if not_before is not None:
        lines.append(f"Not Before: {iso(not_before)}")
    return "\n".join(lines)


def sign(account: LocalAccount, message: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


@pytest.fixture
def account() -> LocalAccount:
    return Account.create()


@pytest.fixture
def other_account() -> LocalAccount:
    return Account.create()


class SiteClient:
    """An API client that authenticates as one site, with login helpers."""

    def __init__(self, site: Site, api_key: str) -> None:
        self.site = site
        self.api_key = api_key
        self.http = APIClient()
        self.http.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.http.post(path, body, format="json", **extra)

    def get(self, path: str, **extra: Any) -> Any:
        return self.http.get(path, **extra)

    def nonce(self) -> str:
        response = self.post("/api/v1/siwe/nonce")
        assert response.status_code == 201, response.content
        return str(response.json()["nonce"])

    def verify(self, message: str, signature: str) -> Any:
        return self.post("/api/v1/siwe/verify", {"message": message, "signature": signature})

    def login(self, account: LocalAccount, **message_fields: Any) -> Any:
        """Nonce, message, signature, verify: the whole login as the plugin proxies it."""
        fields = {"address": account.address, "nonce": self.nonce(), "domain": self.site.domains[0]}
        fields.update(message_fields)
        message = build_message(**fields)
        return self.verify(message, sign(account, message))


@pytest.fixture
def make_site(db: None) -> Callable[..., SiteClient]:
    counter = iter(range(1, 1000))

    def make(name: str | None = None, domains: list[str] | None = None) -> SiteClient:
        number = next(counter)
        site, key = site_create(name=name or f"Site {number}", domains=domains or [f"site{number}.example"])
        return SiteClient(site, key)

    return make


@pytest.fixture
def client_site(make_site: Callable[..., SiteClient]) -> SiteClient:
    return make_site("Reader site", [DOMAIN, "www.reader.example"])


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def skew() -> timedelta:
    return timedelta(seconds=settings.TOKENGATE_CLOCK_SKEW)


@pytest.fixture
def chain(devchain: Any, settings: Any) -> Any:
    """The session's anvil, configured as the service's only chain (31337)."""
    settings.TOKENGATE_CHAINS = {devchain.chain_id: (devchain.rpc_url,)}
    return devchain


def make_gate(site_client: SiteClient, slug: str, requirements: list[dict[str, Any]], mode: str = "all") -> Any:
    """Create a gate through the API; returns the response body (asserts 201)."""
    body = {"slug": slug, "name": slug.title(), "teaser": "Hold tokens to read.", "mode": mode}
    response = site_client.post("/api/v1/gates", {**body, "requirements": requirements})
    assert response.status_code == 201, response.content
    return response.json()
