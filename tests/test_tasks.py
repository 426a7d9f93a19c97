"""Celery task wiring, run eagerly (the real-worker test is tests/test_celery_worker.py): a full
sweep fans out per chain, so one chain that is down does not hold back another; purge runs."""

from __future__ import annotations

import pytest

from config.celery import app
from tokengate import tasks
from tokengate.models import Holding, Nonce

from .conftest import make_gate


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_chain_that_is_down_does_not_hold_back_the_others(
    eager, client_site, chain, devchain_factory, settings, account, other_account
):
    base = devchain_factory(8453)
    base.install_multicall()
    settings.TOKENGATE_CHAINS = {31337: (chain.rpc_url,), 8453: (base.rpc_url,)}
    local_token = chain.deploy_token("Local", "LOC", 6)
    base_token = base.deploy_token("Based", "BAS", 6)
    make_gate(client_site, "local", [{"chain_id": 31337, "token_address": local_token, "minimum": "1"}])
    make_gate(client_site, "base", [{"chain_id": 8453, "token_address": base_token, "minimum": "1"}])
    chain.mint(local_token, account.address, 10**6)
    base.mint(base_token, account.address, 10**6)
    assert sorted(client_site.login(account).json()["gates"]) == ["base", "local"]

    chain.transfer(local_token, account.address, other_account.address, 10**6)
    settings.TOKENGATE_CHAINS = {31337: (chain.rpc_url,), 8453: ("http://127.0.0.1:9",)}
    assert tasks.sweep.apply().get() == 2  # one sweep per chain
    by_token = {h.token.symbol: h for h in Holding.objects.select_related("token")}
    assert by_token["LOC"].balance == 0  # the local chain was swept
    assert by_token["BAS"].balance == 10**6  # the dead chain's holding is untouched, not zeroed


def test_purge_task_deletes_used_nonces(eager, client_site, account):
    client_site.login(account)
    assert Nonce.objects.exclude(used_at=None).count() == 1
    assert tasks.purge.apply().get()["nonces"] == 1
    assert not Nonce.objects.exists()
