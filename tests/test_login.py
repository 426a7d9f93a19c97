"""Every login rule, each through the API: a test here fails if its rule is removed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tokengate.models import Nonce, RefreshSession, Wallet
from tokengate.services.keys import access_token_verify

from .conftest import DOMAIN, build_message, sign


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    return body["error"]["code"]


def test_login_returns_verifiable_access_token(client_site, account):
    response = client_site.login(account)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["address"] == account.address
    assert body["gates"] == []
    assert body["expires_in"] == 600
    claims = access_token_verify(body["access_token"], site=client_site.site)
    assert claims["sub"] == account.address
    assert claims["aud"] == client_site.site.public_id
    assert claims["gsv"] == client_site.site.gate_set_version
    assert body["refresh_token"].startswith("tgr_")


def test_nonce_endpoint_tells_what_to_sign(client_site, settings):
    response = client_site.post("/api/v1/siwe/nonce")
    assert response.status_code == 201
    body = response.json()
    assert len(body["nonce"]) >= 16 and body["nonce"].isalnum()
    assert body["domains"] == [DOMAIN, "www.reader.example"]
    assert body["chain_ids"] == sorted(settings.TOKENGATE_CHAINS)
    assert body["version"] == "1"
    assert body["statement"]


def test_wrong_domain(client_site, account):
    response = client_site.login(account, domain="evil.example")
    assert response.status_code == 400
    assert error_code(response) == "domain_mismatch"


def test_second_domain_of_site_accepted_case_insensitively(client_site, account):
    response = client_site.login(account, domain="WWW.Reader.Example", uri="https://www.reader.example/post")
    assert response.status_code == 200, response.content


def test_uri_on_another_host(client_site, account):
    response = client_site.login(account, uri="https://evil.example/login")
    assert error_code(response) == "uri_mismatch"


def test_uri_on_another_port(client_site, account):
    response = client_site.login(account, uri="https://reader.example:8443/login")
    assert error_code(response) == "uri_mismatch"


def test_nonce_issued_for_another_site(make_site, client_site, account):
    other = make_site(domains=[DOMAIN])
    foreign_nonce = other.nonce()
    response = client_site.login(account, nonce=foreign_nonce)
    assert error_code(response) == "nonce_unknown"
    assert Nonce.objects.get(value=foreign_nonce).used_at is None


def test_reused_nonce(client_site, account):
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce)
    assert client_site.verify(message, sign(account, message)).status_code == 200
    again = client_site.verify(message, sign(account, message))
    assert again.status_code == 400
    assert error_code(again) == "nonce_used"


def test_expired_nonce(client_site, account):
    nonce = client_site.nonce()
    Nonce.objects.filter(value=nonce).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_site.login(account, nonce=nonce)
    assert error_code(response) == "nonce_expired"


def test_unknown_nonce(client_site, account):
    response = client_site.login(account, nonce="abcdef0123456789abcdef0123456789")
    assert error_code(response) == "nonce_unknown"


def test_issued_at_in_the_future(client_site, account, now, skew):
    response = client_site.login(account, issued_at=now + skew + timedelta(seconds=30))
    assert error_code(response) == "issued_at_invalid"


def test_issued_at_within_clock_skew_accepted(client_site, account, now):
    response = client_site.login(account, issued_at=now + timedelta(seconds=20))
    assert response.status_code == 200, response.content


def test_issued_at_older_than_nonce_ttl(client_site, account, now, settings, skew):
    old = now - timedelta(seconds=settings.TOKENGATE_NONCE_TTL) - skew - timedelta(seconds=5)
    response = client_site.login(account, issued_at=old)
    assert error_code(response) == "issued_at_invalid"


def test_expired_message(client_site, account, now):
    response = client_site.login(account, expiration_time=now - timedelta(seconds=1))
    assert error_code(response) == "message_expired"


def test_message_with_future_expiration_accepted(client_site, account, now):
    response = client_site.login(account, expiration_time=now + timedelta(minutes=5))
    assert response.status_code == 200, response.content


def test_not_before_in_the_future(client_site, account, now):
    response = client_site.login(account, not_before=now + timedelta(minutes=5))
    assert error_code(response) == "message_not_yet_valid"


def test_unconfigured_chain(client_site, account):
    response = client_site.login(account, chain_id=1)
    assert error_code(response) == "chain_unsupported"


def test_configured_chain_from_settings(client_site, account, settings):
    settings.TOKENGATE_CHAINS = {8453: ("https://base.example",)}
    assert client_site.login(account, chain_id=8453).status_code == 200
    assert error_code(client_site.login(account, chain_id=31337)) == "chain_unsupported"


def test_tampered_message(client_site, account):
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce)
    signature = sign(account, message)
    tampered = message.replace("Sign in to read", "Sign in to rEad")
    response = client_site.verify(tampered, signature)
    assert response.status_code == 401
    assert error_code(response) == "invalid_signature"


def test_tampered_signature(client_site, account):
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce)
    signature = sign(account, message)
    flipped = signature[:10] + ("0" if signature[10] != "0" else "1") + signature[11:]
    response = client_site.verify(message, flipped)
    assert error_code(response) == "invalid_signature"
    assert Nonce.objects.get(value=nonce).used_at is None


def test_signature_by_another_key(client_site, account, other_account):
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce)
    response = client_site.verify(message, sign(other_account, message))
    assert error_code(response) == "invalid_signature"


@pytest.mark.parametrize("signature", ["", "0x", "0x1234", "zz" * 65, "0x" + "00" * 65, "0x" + "ff" * 65])
def test_malformed_signatures(client_site, account, signature):
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce)
    response = client_site.verify(message, signature)
    assert response.status_code in (400, 401)
    assert error_code(response) in {"invalid_signature", "invalid_request"}


def test_lowercase_address_accepted_and_normalised(client_site, account):
    response = client_site.login(account, address=account.address.lower())
    assert response.status_code == 200, response.content
    assert response.json()["address"] == account.address
    assert Wallet.objects.filter(address=account.address).exists()


def test_bad_checksum_address_rejected(client_site, account):
    address = account.address
    # Flip the case of one letter: a mixed-case address with a broken EIP-55 checksum.
    index = next(i for i, c in enumerate(address[2:], start=2) if c.isalpha())
    broken = address[:index] + address[index].swapcase() + address[index + 1 :]
    response = client_site.login(account, address=broken)
    assert error_code(response) == "invalid_message"


@pytest.mark.parametrize(
    "message",
    [
        "hello",
        "reader.example wants you to sign in with your Ethereum account:\n0x123\n\nURI: https://reader.example",
        "not\na\nsiwe\nmessage",
    ],
)
def test_malformed_messages(client_site, message, account):
    response = client_site.verify(message, sign(account, message))
    assert response.status_code == 400
    assert error_code(response) == "invalid_message"


def test_message_with_trailing_newline_rejected(client_site, account):
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce) + "\n"
    response = client_site.verify(message, sign(account, message))
    assert error_code(response) == "invalid_message"


def test_oversized_message(client_site, account, settings):
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce, statement="x" * settings.TOKENGATE_SIWE_MAX_BYTES)
    response = client_site.verify(message, sign(account, message))
    assert error_code(response) == "invalid_message"
    assert "larger than" in response.json()["error"]["message"]


def test_version_other_than_1_rejected(client_site, account):
    response = client_site.login(account, version="2")
    assert error_code(response) == "invalid_message"


def test_missing_site_key(client_site, account):
    client_site.http.credentials()
    response = client_site.post("/api/v1/siwe/nonce")
    assert response.status_code == 401
    assert error_code(response) == "invalid_site_key"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer tgsk_000000000000_" + "A" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer", "tgsk_"],
)
def test_wrong_site_key(client_site, header):
    client_site.http.credentials(HTTP_AUTHORIZATION=header)
    response = client_site.post("/api/v1/siwe/nonce")
    assert response.status_code == 401
    assert error_code(response) == "invalid_site_key"


def test_right_key_id_with_wrong_secret(client_site):
    prefix = client_site.api_key[:-43]
    client_site.http.credentials(HTTP_AUTHORIZATION=f"Bearer {prefix}{'B' * 43}")
    assert error_code(client_site.post("/api/v1/siwe/nonce")) == "invalid_site_key"


def test_inactive_site_key_refused(client_site):
    client_site.site.is_active = False
    client_site.site.save()
    assert error_code(client_site.post("/api/v1/siwe/nonce")) == "invalid_site_key"


def test_failed_login_writes_nothing(client_site, account, now):
    sessions, wallets = RefreshSession.objects.count(), Wallet.objects.count()
    for fields in ({"domain": "evil.example"}, {"chain_id": 1}, {"expiration_time": now - timedelta(seconds=1)}):
        nonce = client_site.nonce()
        assert client_site.login(account, nonce=nonce, **fields).status_code == 400
        assert Nonce.objects.get(value=nonce).used_at is None
    assert (RefreshSession.objects.count(), Wallet.objects.count()) == (sessions, wallets)
