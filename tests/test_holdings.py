"""Holdings against a real anvil: login reads live balances, gates open exactly at the
minimum, `any` and `all` across two chains, refresh uses fresh holdings, and a sweep after a
sale takes the gate away at the next refresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tokengate.models import Holding, Wallet

from .conftest import make_gate


def req(token, minimum, chain_id=31337):
    return {"chain_id": chain_id, "token_address": token, "minimum": minimum}


@pytest.fixture
def gold(chain):
    return chain.deploy_token("Gold", "GOLD", 6)


def test_holder_gets_the_gate_and_a_non_holder_does_not(client_site, chain, gold, account, other_account):
    make_gate(client_site, "gold", [req(gold, "100")])
    chain.mint(gold, account.address, 150 * 10**6)

    holder = client_site.login(account)
    assert holder.status_code == 200, holder.content
    assert holder.json()["gates"] == ["gold"]
    stored = Holding.objects.get(wallet__address=account.address)
    assert stored.balance == 150 * 10**6
    assert stored.block_number == chain.block_number()
    assert not stored.stale

    outsider = client_site.login(other_account)
    assert outsider.status_code == 200
    assert outsider.json()["gates"] == []
    assert Holding.objects.get(wallet__address=other_account.address).balance == 0


@pytest.mark.parametrize("decimals", [6, 18])
@pytest.mark.parametrize(("offset", "opens"), [(-1, False), (0, True), (1, True)])
def test_threshold_is_exact(client_site, chain, account, decimals, offset, opens):
    token = chain.deploy_token("Thin", "THIN", decimals)
    make_gate(client_site, "thin", [req(token, "100.000001")])  # not representable as a float
    minimum = 100 * 10**decimals + 10 ** (decimals - 6)
    chain.mint(token, account.address, minimum + offset)
    assert (client_site.login(account).json()["gates"] == ["thin"]) is opens


@pytest.fixture
def base_chain(devchain_factory, settings, chain):
    other = devchain_factory(8453)
    other.install_multicall()
    settings.TOKENGATE_CHAINS = {chain.chain_id: (chain.rpc_url,), 8453: (other.rpc_url,)}
    return other


@pytest.mark.parametrize(
    ("on_local", "on_base", "any_opens", "all_opens"),
    [(True, True, True, True), (True, False, True, False), (False, True, True, False), (False, False, False, False)],
)
def test_any_and_all_across_two_chains(
    client_site, chain, base_chain, account, on_local, on_base, any_opens, all_opens
):
    local_token = chain.deploy_token("Local", "LOC", 18)
    base_token = base_chain.deploy_token("Based", "BAS", 6)
    requirements = [req(local_token, "1"), req(base_token, "1", chain_id=8453)]
    make_gate(client_site, "either", requirements, mode="any")
    make_gate(client_site, "both", requirements, mode="all")
    if on_local:
        chain.mint(local_token, account.address, 10**18)
    if on_base:
        base_chain.mint(base_token, account.address, 10**6)

    gates = client_site.login(account).json()["gates"]
    assert ("either" in gates) is any_opens
    assert ("both" in gates) is all_opens
    assert Holding.objects.filter(wallet__address=account.address).count() == 2


def refresh(site_client, token):
    return site_client.post("/api/v1/sessions/refresh", {"refresh_token": token})


def test_refresh_uses_fresh_holdings_without_the_chain(client_site, chain, gold, account, settings):
    make_gate(client_site, "gold", [req(gold, "1")])
    chain.mint(gold, account.address, 10**6)
    login = client_site.login(account).json()
    # Point the service at a dead RPC: a refresh within the max age must not need it.
    settings.TOKENGATE_CHAINS = {31337: ("http://127.0.0.1:9",)}
    refreshed = refresh(client_site, login["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed.json()["gates"] == ["gold"]


def test_refresh_reads_live_when_holdings_are_old(client_site, chain, gold, account, other_account):
    make_gate(client_site, "gold", [req(gold, "1")])
    chain.mint(gold, account.address, 10**6)
    login = client_site.login(account).json()
    assert login["gates"] == ["gold"]
    chain.transfer(gold, account.address, other_account.address, 10**6)
    Holding.objects.update(checked_at=timezone.now() - timedelta(hours=1))

    refreshed = refresh(client_site, login["refresh_token"]).json()
    assert refreshed["gates"] == []
    assert Holding.objects.get(wallet__address=account.address).balance == 0


def test_refresh_fails_closed_when_holdings_are_old_and_the_chain_is_down(client_site, chain, gold, account, settings):
    make_gate(client_site, "gold", [req(gold, "1")])
    chain.mint(gold, account.address, 10**6)
    login = client_site.login(account).json()
    Holding.objects.update(checked_at=timezone.now() - timedelta(hours=1))
    settings.TOKENGATE_CHAINS = {31337: ("http://127.0.0.1:9",)}

    response = refresh(client_site, login["refresh_token"])
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "chain_unavailable"
    # Nothing rotated: once the chain is back, the same refresh token still works.
    settings.TOKENGATE_CHAINS = {31337: (chain.rpc_url,)}
    assert refresh(client_site, login["refresh_token"]).json()["gates"] == ["gold"]


def test_gate_change_bumps_gsv_in_the_next_token(client_site, chain, gold, account):
    make_gate(client_site, "gold", [req(gold, "1")])
    chain.mint(gold, account.address, 10**6)
    login = client_site.login(account).json()
    make_gate(client_site, "more", [req(gold, "0.5")])
    refreshed = refresh(client_site, login["refresh_token"]).json()
    assert refreshed["gsv"] == login["gsv"] + 1
    assert refreshed["gates"] == ["gold", "more"]


def test_revocation_after_a_sale(client_site, chain, gold, account, other_account):
    """Holder signs in, sells, a sweep runs, and the next refresh's token lacks the gate."""
    make_gate(client_site, "gold", [req(gold, "100")])
    chain.mint(gold, account.address, 100 * 10**6)
    login = client_site.login(account).json()
    assert login["gates"] == ["gold"]

    chain.transfer(gold, account.address, other_account.address, 1)  # now 1 raw unit short
    call_command("tokengate_refresh", "--no-progress")
    holding = Holding.objects.get(wallet=Wallet.objects.get(address=account.address))
    assert holding.balance == 100 * 10**6 - 1
    assert not holding.stale

    refreshed = refresh(client_site, login["refresh_token"]).json()
    assert refreshed["gates"] == []


def test_login_and_refresh_tell_the_balances_they_decided_on(client_site, chain, gold, account):
    make_gate(client_site, "gold", [req(gold, "100")])
    chain.mint(gold, account.address, 42_500_000)
    login = client_site.login(account).json()
    expected = [
        {
            "chain_id": 31337,
            "token_address": gold,
            "symbol": "GOLD",
            "decimals": 6,
            "balance": "42500000",
            "amount": "42.5",
        }
    ]
    assert login["gates"] == []
    assert login["holdings"] == expected
    assert refresh(client_site, login["refresh_token"]).json()["holdings"] == expected
