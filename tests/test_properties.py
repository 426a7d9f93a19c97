"""Property-based: random and mutated messages, signatures and bodies never produce a 500."""

from __future__ import annotations

import contextlib
import json

import pytest
from eth_account import Account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokengate import siwe, tokens
from tokengate.errors import InvalidMessage, InvalidSignature

from .conftest import build_message, sign

ACCOUNT = Account.from_key("0x" + "11" * 32)
BASE = build_message(address=ACCOUNT.address, nonce="abcdef0123456789abcdef0123456789")
BASE_SIGNATURE = sign(ACCOUNT, BASE)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@st.composite
def mutated_messages(draw) -> str:
    """The valid message with a random edit: a character replaced, inserted or removed, or lines shuffled."""
    text = BASE
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["replace", "insert", "delete", "swap_lines"]))
        char = draw(st.characters(codec="utf-8"))
        if kind == "replace" and position < len(text):
            text = text[:position] + char + text[position + 1 :]
        elif kind == "insert":
            text = text[:position] + char + text[position:]
        elif kind == "delete" and position < len(text):
            text = text[:position] + text[position + 1 :]
        elif kind == "swap_lines":
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@FAST
@given(text=st.text(max_size=600) | mutated_messages())
def test_parser_raises_only_invalid_message(text):
    try:
        parsed = siwe.parse_message(text, max_bytes=4096)
    except InvalidMessage:
        return
    assert parsed.address.startswith("0x")


@FAST
@given(
    signature=st.text(max_size=140)
    | st.from_regex(r"0x[0-9a-f]{130}", fullmatch=True)
    | st.binary(max_size=70).map(lambda b: "0x" + b.hex())
)
def test_recovery_raises_only_invalid_signature(signature):
    with contextlib.suppress(InvalidSignature):
        siwe.recover_signer(BASE, signature)


@FAST
@given(token=st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,90}"))
def test_token_verifier_raises_only_rejection(token):
    key = tokens.generate_private_key()
    with pytest.raises(tokens.TokenRejected):
        tokens.verify_access_token(token, keys={"k": key.public_key()}, audience="a", issuer="i", now=0)


@pytest.mark.django_db
@FAST
@given(message=mutated_messages() | st.text(max_size=300), signature=st.just(BASE_SIGNATURE) | st.text(max_size=140))
def test_verify_endpoint_never_500_on_messages(client_site, message, signature):
    response = client_site.verify(message, signature)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]["code"]


@pytest.mark.django_db
@FAST
@given(body=json_values)
def test_endpoints_never_500_on_json_bodies(client_site, body):
    for path in ("/api/v1/siwe/verify", "/api/v1/sessions/refresh", "/api/v1/sessions/revoke", "/api/v1/siwe/nonce"):
        response = client_site.post(path, body)
        assert response.status_code < 500, (path, response.content)
        if response.status_code >= 400:
            assert response.json()["error"]["code"]


@pytest.mark.django_db
@FAST
@given(raw=st.binary(max_size=300))
def test_endpoints_never_500_on_raw_bytes(client_site, raw):
    response = client_site.http.post("/api/v1/siwe/verify", raw, content_type="application/json")
    assert response.status_code < 500, response.content
    json.loads(response.content)


@pytest.mark.django_db
@FAST
@given(header=st.text(max_size=120))
def test_authorization_header_never_500(client_site, header):
    try:
        client_site.http.credentials(HTTP_AUTHORIZATION=header)
    except ValueError:
        return
    response = client_site.post("/api/v1/siwe/nonce")
    assert response.status_code in (201, 401)
