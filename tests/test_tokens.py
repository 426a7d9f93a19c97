"""The access-token verifier's check list, and signing-key rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tokengate import tokens
from tokengate.gates import GateDecision
from tokengate.models import SigningKey
from tokengate.services import keys

ISSUER = "https://gate.example"
AUDIENCE = "site_abc"
ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"


def claims(**overrides):
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": ADDRESS,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "j1",
        "gates": ["gold"],
        "gsv": 3,
    }
    base.update(overrides)
    return base


@pytest.fixture
def key():
    return tokens.generate_private_key()


@pytest.fixture
def verify(key):
    def run(token, *, now=None, keys_=None, **kwargs):
        return tokens.verify_access_token(
            token,
            keys=keys_ if keys_ is not None else {"k1": key.public_key()},
            audience=kwargs.pop("audience", AUDIENCE),
            issuer=kwargs.pop("issuer", ISSUER),
            now=now if now is not None else time.time(),
            **kwargs,
        )

    return run


def b64(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rejected(run, token, **kwargs) -> str:
    with pytest.raises(tokens.TokenRejected) as info:
        run(token, **kwargs)
    return info.value.reason


def test_valid_token(key, verify):
    token = tokens.encode_access_token(claims(), private_key=key, kid="k1")
    assert verify(token)["gates"] == ["gold"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "typ": "tokengate+jwt", "kid": "k1"}


def test_alg_none_rejected(key, verify):
    token = tokens.encode_access_token(claims(), private_key=key, kid="k1")
    _, payload, _ = token.split(".")
    forged = f"{b64({'alg': 'none', 'typ': 'tokengate+jwt', 'kid': 'k1'})}.{payload}."
    assert rejected(verify, forged) == "alg"


def test_hs256_with_public_key_as_secret_rejected(key, verify):
    public = tokens.public_key_bytes(key.public_key())
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'tokengate+jwt', 'kid': 'k1'})}.{b64(claims())}"
    mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    assert rejected(verify, f"{signing_input}.{b64(mac)}") == "alg"


def test_wrong_typ_rejected(key, verify):
    signing_input = f"{b64({'alg': 'EdDSA', 'typ': 'JWT', 'kid': 'k1'})}.{b64(claims())}"
    token = f"{signing_input}.{b64(key.sign(signing_input.encode()))}"
    assert rejected(verify, token) == "typ"


def test_unknown_kid_rejected(key, verify):
    token = tokens.encode_access_token(claims(), private_key=key, kid="k2")
    assert rejected(verify, token) == "kid"


def test_signature_by_another_key_rejected(verify):
    other = tokens.generate_private_key()
    token = tokens.encode_access_token(claims(), private_key=other, kid="k1")
    assert rejected(verify, token) == "signature"


def test_tampered_payload_rejected(key, verify):
    token = tokens.encode_access_token(claims(), private_key=key, kid="k1")
    header, _, signature = token.split(".")
    assert rejected(verify, f"{header}.{b64(claims(gates=['gold', 'platinum']))}.{signature}") == "signature"


def test_short_signature_rejected(key, verify):
    token = tokens.encode_access_token(claims(), private_key=key, kid="k1")
    header, payload, signature = token.split(".")
    short = b64(tokens.b64url_decode(signature)[:63])
    assert rejected(verify, f"{header}.{payload}.{short}") == "signature_length"


@pytest.mark.parametrize(
    ("field", "value", "reason"), [("aud", "site_other", "aud"), ("iss", "https://x.example", "iss")]
)
def test_wrong_audience_or_issuer(key, verify, field, value, reason):
    token = tokens.encode_access_token(claims(**{field: value}), private_key=key, kid="k1")
    assert rejected(verify, token) == reason


def test_expiry_with_leeway(key, verify):
    now = time.time()
    token = tokens.encode_access_token(claims(exp=int(now) - 30), private_key=key, kid="k1")
    assert verify(token, now=now)  # within 60 s of leeway
    assert rejected(verify, token, now=now + 31) == "expired"


def test_not_before_with_leeway(key, verify):
    now = int(time.time())
    token = tokens.encode_access_token(claims(nbf=now + 120), private_key=key, kid="k1")
    assert rejected(verify, token, now=now) == "not_yet_valid"
    assert verify(token, now=now + 61)


def test_oversized_token_rejected(key, verify):
    token = tokens.encode_access_token(claims(gates=["g" * 60] * 60), private_key=key, kid="k1")
    assert len(token) > tokens.MAX_TOKEN_BYTES
    assert rejected(verify, token) == "too_large"


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "@@@.@@@.@@@", "eyJ.eyJ.", 42, None, "é.é.é"])
def test_garbage_rejected(verify, token):
    rejected(verify, token)


def test_non_canonical_base64_rejected(key, verify):
    token = tokens.encode_access_token(claims(), private_key=key, kid="k1")
    header, payload, signature = token.split(".")
    assert rejected(verify, f"{header}=.{payload}.{signature}") == "header_malformed"


@pytest.mark.parametrize("claim", ["exp", "nbf", "sub", "gates", "gsv", "jti"])
def test_missing_claims_rejected(key, verify, claim):
    body = claims()
    del body[claim]
    token = tokens.encode_access_token(body, private_key=key, kid="k1")
    rejected(verify, token)


def test_jwks_round_trip(key):
    jwks = {"keys": [tokens.public_jwk("k1", key.public_key()), {"kty": "RSA", "kid": "r"}, {"kty": "OKP"}]}
    parsed = tokens.keys_from_jwks(json.loads(json.dumps(jwks)))
    assert list(parsed) == ["k1"]
    assert tokens.public_key_bytes(parsed["k1"]) == tokens.public_key_bytes(key.public_key())


def test_sealed_key_needs_secret_and_kid(key):
    sealed = tokens.seal_private_key(key, secret="s3cret", kid="k1")
    assert tokens.private_key_bytes(key) not in sealed
    opened = tokens.open_private_key(sealed, secret="s3cret", kid="k1")
    assert tokens.private_key_bytes(opened) == tokens.private_key_bytes(key)
    with pytest.raises(ValueError):
        tokens.open_private_key(sealed, secret="other", kid="k1")
    with pytest.raises(ValueError):
        tokens.open_private_key(sealed, secret="s3cret", kid="k2")


# --- Rotation through the service --------------------------------------------------------


def test_rotation_keeps_old_tokens_valid_until_expiry(db, client_site, account, settings):
    old = client_site.login(account).json()["access_token"]
    old_kid = json.loads(base64.urlsafe_b64decode(old.split(".")[0] + "=="))["kid"]

    call_command("tokengate_keys", "rotate")
    new = client_site.login(account).json()["access_token"]
    new_kid = json.loads(base64.urlsafe_b64decode(new.split(".")[0] + "=="))["kid"]
    assert new_kid != old_kid

    published = {k["kid"] for k in client_site.get("/.well-known/jwks.json").json()["keys"]}
    assert published == {old_kid, new_kid}
    keys.access_token_verify(old, site=client_site.site)
    keys.access_token_verify(new, site=client_site.site)

    # Once every token the old key signed has expired, the JWKS drops it.
    later = timezone.now() + timedelta(seconds=settings.TOKENGATE_ACCESS_TTL + settings.TOKENGATE_CLOCK_SKEW + 1)
    assert set(keys.published_keys(now=later)) == {new_kid}
    with pytest.raises(tokens.TokenRejected):
        keys.access_token_verify(old, site=client_site.site, now=later)


def test_private_keys_stored_sealed(db, client_site, account):
    client_site.login(account)
    stored = SigningKey.objects.get(status=SigningKey.ACTIVE)
    kid, private_key = keys.active_signing_key()
    assert stored.kid == kid
    assert tokens.private_key_bytes(private_key) not in bytes(stored.sealed_private_key)


def test_issued_claims_follow_contract(db, client_site, account, settings):
    token, ttl = keys.access_token_issue(
        site=client_site.site, address=account.address, decision=GateDecision(("a",), 7), now=timezone.now()
    )
    body = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert set(body) == {"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "gates", "gsv"}
    assert body["exp"] - body["iat"] == ttl == settings.TOKENGATE_ACCESS_TTL
    assert (body["iss"], body["aud"], body["gates"], body["gsv"]) == (
        settings.TOKENGATE_ISSUER,
        client_site.site.public_id,
        ["a"],
        7,
    )
