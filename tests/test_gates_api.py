"""The gate API: validation with field messages, exact amounts, cross-site isolation, gsv bumps."""

from __future__ import annotations

import pytest

from .conftest import make_gate


@pytest.fixture
def gold(chain):
    return chain.deploy_token("Gold", "GOLD", 6)


def requirement(token, minimum="100", chain_id=31337, **extra):
    return {"chain_id": chain_id, "token_address": token, "minimum": minimum, **extra}


def test_create_list_get_update_delete(client_site, gold):
    site = client_site
    version = site.get("/api/v1/site").json()["gate_set_version"]
    created = make_gate(site, "gold-readers", [requirement(gold.lower(), "100.5")])
    assert created["requirements"] == [
        {
            "chain_id": 31337,
            "token_address": gold,  # normalised to EIP-55
            "symbol": "GOLD",
            "token_name": "Gold",
            "decimals": 6,
            "minimum": "100.5",
            "minimum_raw": "100500000",
        }
    ]
    listed = site.get("/api/v1/gates").json()
    assert [g["slug"] for g in listed["gates"]] == ["gold-readers"]
    assert listed["gate_set_version"] == version + 1

    body = {"name": "Gold club", "mode": "any", "teaser": "New teaser", "requirements": [requirement(gold, "7")]}
    updated = site.http.put("/api/v1/gates/gold-readers", body, format="json")
    assert updated.status_code == 200, updated.content
    assert updated.json()["name"] == "Gold club"
    assert updated.json()["requirements"][0]["minimum_raw"] == "7000000"
    assert site.get("/api/v1/gates/gold-readers").json()["mode"] == "any"
    assert site.get("/api/v1/site").json()["gate_set_version"] == version + 2

    assert site.http.delete("/api/v1/gates/gold-readers").status_code == 204
    assert site.get("/api/v1/gates/gold-readers").status_code == 404
    assert site.get("/api/v1/site").json()["gate_set_version"] == version + 3


@pytest.mark.parametrize(
    ("minimum", "message"),
    [
        ("1.0000001", "6 decimal places"),
        ("1e3", "plain decimal number"),
        ("-5", "plain decimal number"),
        ("0", "more than 0"),
        ("1,5", "plain decimal number"),
    ],
)
def test_bad_minimum_is_a_field_error(client_site, gold, minimum, message):
    response = client_site.post(
        "/api/v1/gates", {"slug": "g", "name": "G", "requirements": [requirement(gold, minimum)]}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["field"] == "requirements.0.minimum"
    assert message in error["message"]
    assert client_site.get("/api/v1/gates").json()["gates"] == []  # nothing half-written


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "Not a slug!", "name": "x", "requirements": [{}]}, "slug"),
        ({"slug": "ok", "name": "x", "requirements": []}, "requirements"),
        ({"slug": "ok", "name": "x", "mode": "most", "requirements": [{}]}, "mode"),
        (
            {"slug": "ok", "name": "x", "requirements": [{"chain_id": 31337, "token_address": "0x12", "minimum": "1"}]},
            "requirements.0.token_address",
        ),
    ],
)
def test_malformed_gate_bodies(client_site, chain, body, field):
    response = client_site.post("/api/v1/gates", body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_bad_checksum_and_unknown_chain(client_site, gold):
    # EIP-55 form of an address with letters on both sides of the checksum, its case inverted.
    mixed = "0x" + "5FbDB2315678afecb367f032d93F642f64180aa3".swapcase()
    response = client_site.post("/api/v1/gates", {"slug": "g", "name": "G", "requirements": [requirement(mixed)]})
    assert response.status_code == 400
    assert "checksum" in response.json()["error"]["message"]
    response = client_site.post(
        "/api/v1/gates", {"slug": "g", "name": "G", "requirements": [requirement(gold, chain_id=999)]}
    )
    assert response.json()["error"]["code"] == "chain_unsupported"


def test_duplicate_slug_is_409(client_site, gold):
    make_gate(client_site, "g", [requirement(gold)])
    response = client_site.post("/api/v1/gates", {"slug": "g", "name": "G", "requirements": [requirement(gold)]})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "gate_exists"


def test_slug_cannot_change_on_put(client_site, gold):
    make_gate(client_site, "g", [requirement(gold)])
    body = {"slug": "other", "name": "G", "requirements": [requirement(gold)]}
    response = client_site.http.put("/api/v1/gates/g", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "slug"


def test_sites_cannot_see_or_change_each_others_gates(make_site, gold):
    a, b = make_site("A"), make_site("B")
    make_gate(a, "secret", [requirement(gold)])
    version_a = a.get("/api/v1/site").json()["gate_set_version"]
    assert b.get("/api/v1/gates").json()["gates"] == []
    assert b.get("/api/v1/gates/secret").status_code == 404
    body = {"name": "Taken", "requirements": [requirement(gold, "1")]}
    assert b.http.put("/api/v1/gates/secret", body, format="json").status_code == 404
    assert b.http.delete("/api/v1/gates/secret").status_code == 404
    assert a.get("/api/v1/gates/secret").json()["name"] == "Secret"
    assert a.get("/api/v1/site").json()["gate_set_version"] == version_a
    # The same slug on another site is another gate.
    make_gate(b, "secret", [requirement(gold, "5")])
    assert a.get("/api/v1/gates/secret").json()["requirements"][0]["minimum"] == "100"


def test_gates_need_a_site_key(db, client):
    assert client.get("/api/v1/gates").status_code == 401
    assert client.get("/api/v1/tokens/lookup?chain_id=31337&address=0x" + "0" * 40).status_code == 401


def test_token_without_decimals_needs_them_given(client_site, chain):
    token = chain.deploy("NoDecimalsToken", "Old", "OLD")
    response = client_site.post("/api/v1/gates", {"slug": "g", "name": "G", "requirements": [requirement(token)]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "decimals_unknown"
    assert response.json()["error"]["field"] == "requirements.0.decimals"
    created = make_gate(client_site, "g", [requirement(token, "2.5", decimals=2)])
    assert created["requirements"][0]["minimum_raw"] == "250"


def test_given_decimals_must_match_the_chain(client_site, gold):
    response = client_site.post(
        "/api/v1/gates", {"slug": "g", "name": "G", "requirements": [requirement(gold, decimals=18)]}
    )
    assert response.status_code == 400
    assert "is 6, not 18" in response.json()["error"]["message"]


@pytest.mark.parametrize("minimum", [5, 0.1, True, None])
def test_a_minimum_must_be_a_json_string(client_site, gold, minimum):
    response = client_site.post(
        "/api/v1/gates", {"slug": "g", "name": "G", "requirements": [requirement(gold, minimum)]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "requirements.0.minimum"


def test_a_refused_gate_stores_no_token(client_site, chain):
    from tokengate.models import Token

    token = chain.deploy("NoDecimalsToken", "Old", "OLD")
    body = {"slug": "g", "name": "G", "requirements": [requirement(token, "1.555", decimals=2)]}
    assert client_site.post("/api/v1/gates", body).status_code == 400  # too many decimal places
    assert not Token.objects.filter(address=token).exists()  # the decimals given are not kept either
