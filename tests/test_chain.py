"""The chain layer against a real anvil: token lookup, calldata that matches eth_abi, and
reads that turn every failure into "unknown", never zero."""

from __future__ import annotations

import pytest
from eth_abi import decode, encode
from hypothesis import given
from hypothesis import strategies as st

from tokengate.chain import abi, reader
from tokengate.chain.devchain import MULTICALL3_ADDRESS
from tokengate.chain.rpc import RpcClient


def lookup(site_client, address, chain_id=31337):
    return site_client.get(f"/api/v1/tokens/lookup?chain_id={chain_id}&address={address}")


def test_lookup_an_erc20(client_site, chain):
    token = chain.deploy_token("Gold Coin", "GOLD", 6)
    response = lookup(client_site, token.lower())
    assert response.status_code == 200, response.content
    assert response.json() == {
        "chain_id": 31337,
        "address": token,
        "standard": "erc20",
        "name": "Gold Coin",
        "symbol": "GOLD",
        "decimals": 6,
    }


def test_lookup_an_address_without_code(client_site, chain, account):
    response = lookup(client_site, account.address)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "token_not_contract"


def test_lookup_a_contract_that_is_not_an_erc20(client_site, chain):
    response = lookup(client_site, MULTICALL3_ADDRESS)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "token_not_erc20"


def test_lookup_a_token_without_decimals(client_site, chain):
    token = chain.deploy("NoDecimalsToken", "Old", "OLD")
    response = lookup(client_site, token)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "decimals_unknown"


def test_lookup_on_an_unconfigured_chain(client_site, chain):
    response = lookup(client_site, "0x" + "11" * 20, chain_id=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "chain_unsupported"


def test_lookup_when_the_rpc_is_down(client_site, settings, db):
    settings.TOKENGATE_CHAINS = {31337: ("http://127.0.0.1:9",)}
    response = lookup(client_site, "0x" + "11" * 20)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "chain_unavailable"
    assert "127.0.0.1:9" not in response.json()["error"]["message"]  # RPC URLs may carry API keys


@pytest.mark.parametrize("address", ["0x12", "not an address", "0x" + "zz" * 20])
def test_lookup_a_malformed_address(client_site, chain, address):
    response = lookup(client_site, address)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


@given(st.lists(st.tuples(st.binary(min_size=20, max_size=20), st.binary(max_size=100)), max_size=20), st.booleans())
def test_aggregate3_calldata_matches_eth_abi(calls, allow_failure):
    expected = abi.AGGREGATE3 + encode(["(address,bool,bytes)[]"], [[(t, allow_failure, d) for t, d in calls]])
    assert abi.aggregate3(calls, allow_failure=allow_failure) == expected


@given(st.lists(st.tuples(st.booleans(), st.binary(max_size=100)), max_size=20))
def test_aggregate3_results_decode_like_eth_abi(results):
    data = encode(["(bool,bytes)[]"], [results])
    assert abi.decode_aggregate3(data, len(results)) == [
        (ok, bytes(d)) for ok, d in decode(["(bool,bytes)[]"], data)[0]
    ]


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=5))
def test_garbage_never_decodes_silently(data, expected):
    try:
        decoded = abi.decode_aggregate3(data, expected)
    except abi.MalformedResult:
        return
    assert len(decoded) == expected


def test_reads_through_multicall_and_batches_agree(chain, account, other_account):
    token = chain.deploy_token("Gold", "GOLD", 18)
    chain.mint(token, account.address, 12345)
    client = RpcClient([chain.rpc_url], chain_id=31337)
    holders = [account.address, other_account.address]
    with_multicall, block = reader.read_balances(client, token=token, holders=holders, multicall=MULTICALL3_ADDRESS)
    batched, _ = reader.read_balances(client, token=token, holders=holders, multicall=None, block=block)
    assert with_multicall == batched == [12345, 0]


def test_a_failing_call_is_unknown_not_zero(chain, account):
    """balanceOf on an address without code answers nothing; a reverting call fails: both unknown."""
    client = RpcClient([chain.rpc_url], chain_id=31337)
    token = chain.deploy_token("Gold", "GOLD", 18)
    not_a_token = chain.deploy("NoDecimalsToken", "Old", "OLD")
    calls = [
        (abi.address_bytes(token), abi.balance_of(abi.address_bytes(account.address))),
        (abi.address_bytes(account.address), abi.balance_of(abi.address_bytes(account.address))),
        (abi.address_bytes(not_a_token), abi.DECIMALS),
    ]
    for multicall in (MULTICALL3_ADDRESS, None):
        read = reader.read_calls(client, calls, multicall=multicall)
        assert read.results[0] == (0).to_bytes(32, "big")
        assert read.results[1] in (None, b"")  # no code: an empty answer, which decodes to unknown
        assert read.results[2] is None
        assert reader.decode_balance(read.results[1]) is None


def test_chunks_of_many_calls_pin_one_block(chain):
    token = chain.deploy_token("Wide", "WIDE", 18)
    holders = ["0x" + i.to_bytes(20, "big").hex() for i in range(1, 1202)]
    chain.set_balances(token, {h: i for i, h in enumerate(holders, 1)})
    client = RpcClient([chain.rpc_url], chain_id=31337)
    balances, block = reader.read_balances(client, token=token, holders=holders, multicall=MULTICALL3_ADDRESS)
    assert balances == list(range(1, 1202))
    assert block == chain.block_number()


def test_lookups_are_cached(client_site, chain, settings):
    token = chain.deploy_token("Gold Coin", "GOLD", 6)
    assert lookup(client_site, token).status_code == 200
    settings.TOKENGATE_CHAINS = {31337: ("http://127.0.0.1:9",)}  # the chain is gone now
    again = lookup(client_site, token)
    assert again.status_code == 200
    assert again.json()["symbol"] == "GOLD"
