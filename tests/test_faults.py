"""RPC faults between the service and the chain: logins fail closed with 503 and write
nothing; sweeps keep the last balance, mark it stale, retry, and recover."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tokengate.errors import ChainUnavailable
from tokengate.models import Holding, Nonce, RefreshSession, Wallet
from tokengate.services import sweep

from .conftest import build_message, make_gate, sign
from .faults import FaultProxy


@pytest.fixture
def proxy(devchain, settings):
    faults = FaultProxy(devchain.rpc_url, slow_seconds=1.6)
    settings.TOKENGATE_CHAINS = {devchain.chain_id: (faults.url,)}
    settings.TOKENGATE_RPC_TIMEOUT = 1
    yield faults
    faults.close()


@pytest.fixture
def gold(devchain, proxy, client_site, account):
    token = devchain.deploy_token("Gold", "GOLD", 6)
    make_gate(client_site, "gold", [{"chain_id": 31337, "token_address": token, "minimum": "10"}])
    devchain.mint(token, account.address, 50 * 10**6)
    return token


@pytest.mark.parametrize("mode", FaultProxy.MODES)
def test_login_fails_closed_and_writes_nothing(client_site, proxy, gold, account, mode):
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce, domain=client_site.site.domains[0])
    signature = sign(account, message)

    proxy.fail(mode)
    response = client_site.verify(message, signature)
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "chain_unavailable"
    assert not Wallet.objects.filter(address=account.address).exists()
    assert not Holding.objects.exists()
    assert not RefreshSession.objects.exists()
    assert Nonce.objects.get(value=nonce).used_at is None

    proxy.heal()  # the same signed message now succeeds: nothing was consumed
    response = client_site.verify(message, signature)
    assert response.status_code == 200, response.content
    assert response.json()["gates"] == ["gold"]


def test_a_second_rpc_url_takes_over(client_site, proxy, gold, account, settings, devchain):
    settings.TOKENGATE_CHAINS = {31337: ("http://127.0.0.1:9", proxy.url)}
    assert client_site.login(account).json()["gates"] == ["gold"]


def _sell(devchain, token, account, other_account):
    devchain.transfer(token, account.address, other_account.address, 50 * 10**6)


@pytest.mark.parametrize("mode", ["429", "500", "garbage", "hangup"])
def test_a_failed_sweep_keeps_the_balance_marks_it_stale_and_recovers(
    client_site, proxy, gold, account, other_account, devchain, mode
):
    assert client_site.login(account).json()["gates"] == ["gold"]
    _sell(devchain, gold, account, other_account)
    chunks = list(sweep.sweep_plan())
    assert len(chunks) == 1

    proxy.fail(mode)
    with pytest.raises(ChainUnavailable):
        sweep.chunk_refresh(**vars(chunks[0]))
    holding = Holding.objects.get(wallet__address=account.address)
    assert holding.stale
    assert holding.balance == 50 * 10**6  # the last balance read, not a zero nobody read
    assert "unavailable" in holding.error

    proxy.heal()
    result = sweep.chunk_refresh(**vars(chunks[0]))
    assert (result.calls, result.unknown) == (1, 0)
    holding.refresh_from_db()
    assert (holding.balance, holding.stale, holding.error) == (0, False, "")


def test_the_refresh_command_retries_transient_errors(client_site, proxy, gold, account, other_account, devchain):
    client_site.login(account)
    _sell(devchain, gold, account, other_account)
    proxy.fail("500", times=2)  # the first two attempts at the chunk fail; the third reads
    call_command("tokengate_refresh", "--no-progress")
    assert proxy.faults == 2
    assert Holding.objects.get(wallet__address=account.address).balance == 0


def test_the_refresh_command_reports_a_chain_that_stays_down(client_site, proxy, gold, account, monkeypatch, devchain):
    client_site.login(account)
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # the command's backoff, not the proxy
    proxy.fail("429")
    with pytest.raises(CommandError, match="latest block could not be read"):
        call_command("tokengate_refresh", "--no-progress")

    pinned = {31337: devchain.block_number()}
    monkeypatch.setattr(sweep, "sweep_blocks", lambda **kwargs: pinned)
    with pytest.raises(CommandError, match="failed after 4 attempts"):
        call_command("tokengate_refresh", "--no-progress")
    holding = Holding.objects.get(wallet__address=account.address)
    assert holding.stale and holding.balance == 50 * 10**6
