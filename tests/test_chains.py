"""The effective chain list: TOKENGATE_CHAINS, with admin Chain rows overriding, adding and
disabling chains, as logins and the site endpoint see it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import parse_chains
from tokengate.models import Chain
from tokengate.services.chains import chain_configs, chains_changed


def test_environment_chains_get_known_names(db, settings):
    settings.TOKENGATE_CHAINS = {8453: ("https://base.example",), 1: ("https://a.example", "https://b.example")}
    configs = chain_configs()
    assert list(configs) == [1, 8453]
    assert configs[8453].name == "Base"
    assert configs[1].rpc_urls == ("https://a.example", "https://b.example")
    assert configs[1].multicall == "0xcA11bde05977b3631167028862bE2a173976CA11"


def test_admin_rows_override_add_and_disable(client_site, settings, account):
    settings.TOKENGATE_CHAINS = {31337: ("http://127.0.0.1:8545",), 10: ("https://op.example",)}
    Chain.objects.create(chain_id=31337, name="Dev", rpc_urls=[], multicall_address="")
    Chain.objects.create(chain_id=42161, name="Arbitrum One", rpc_urls=["https://arb.example"])
    Chain.objects.create(chain_id=10, name="Optimism", enabled=False)
    chains_changed()

    configs = chain_configs()
    assert list(configs) == [31337, 42161]
    assert configs[31337].rpc_urls == ("http://127.0.0.1:8545",)  # no URLs in the row: the env's
    assert configs[31337].multicall is None  # blank: JSON-RPC batches
    site = client_site.get("/api/v1/site").json()
    assert site["chains"] == [{"chain_id": 31337, "name": "Dev"}, {"chain_id": 42161, "name": "Arbitrum One"}]
    assert client_site.post("/api/v1/siwe/nonce").json()["chain_ids"] == [31337, 42161]
    disabled = client_site.login(account, chain_id=10)
    assert disabled.status_code == 400
    assert disabled.json()["error"]["code"] == "chain_unsupported"


@pytest.mark.parametrize("spec", ["1", "x=https://a", "1=ftp://a", "0=https://a", "1=https://a,1=https://b", "1="])
def test_malformed_chain_settings_stop_startup(spec):
    with pytest.raises(ImproperlyConfigured):
        parse_chains(spec)


def test_a_chain_without_multicall_reads_with_batches(client_site, chain, account, monkeypatch):
    from tokengate.chain import reader

    from .conftest import make_gate

    def no_multicall(*args):
        raise AssertionError("aggregate3 used on a chain without a multicall address")

    monkeypatch.setattr(reader, "_read_multicall", no_multicall)
    Chain.objects.create(chain_id=31337, name="Dev", multicall_address="")
    chains_changed()
    token = chain.deploy_token("Gold", "GOLD", 6)
    make_gate(client_site, "gold", [{"chain_id": 31337, "token_address": token, "minimum": "1"}])
    chain.mint(token, account.address, 10**6)
    assert client_site.login(account).json()["gates"] == ["gold"]
