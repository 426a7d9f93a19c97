"""Access tokens: EdDSA (Ed25519) JWTs in compact form, their JWKS, and signing-key sealing.

Pure functions, no Django. This module defines the contract with the WordPress plugin, whose
PHP verifier applies the same checks (see docs/architecture.md, "The access token").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALG = "EdDSA"
TYP = "tokengate+jwt"
MAX_TOKEN_BYTES = 4096
DEFAULT_LEEWAY = 60
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class TokenRejected(Exception):
    """The token must not grant access. `reason` says which check failed (for tests and logs)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding: any other character or length is an error."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:  # non-canonical trailing bits
        raise ValueError("not canonical base64url")
    return data


def _json_segment(value: Mapping[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def encode_access_token(claims: Mapping[str, Any], *, private_key: Ed25519PrivateKey, kid: str) -> str:
    """Sign `claims` as a compact JWT with the fixed header {alg: EdDSA, typ, kid}."""
    signing_input = f"{_json_segment({'alg': ALG, 'typ': TYP, 'kid': kid})}.{_json_segment(claims)}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def _decode_json(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError):
        raise TokenRejected(f"{what}_malformed") from None
    if not isinstance(value, dict):
        raise TokenRejected(f"{what}_malformed")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def verify_access_token(
    token: object,
    *,
    keys: Mapping[str, Ed25519PublicKey],
    audience: str,
    issuer: str,
    now: float,
    leeway: int = DEFAULT_LEEWAY,
) -> dict[str, Any]:
    """Return the claims of a valid token, or raise TokenRejected.

    The algorithm is fixed to EdDSA and never read from the token to choose a verifier.
    """
    if not isinstance(token, str) or not token.isascii():
        raise TokenRejected("not_a_token")
    if len(token) > MAX_TOKEN_BYTES:
        raise TokenRejected("too_large")
    segments = token.split(".")
    if len(segments) != 3:
        raise TokenRejected("segments")
    header_b64, payload_b64, signature_b64 = segments

    header = _decode_json(header_b64, "header")
    if header.get("alg") != ALG:
        raise TokenRejected("alg")
    if header.get("typ") != TYP:
        raise TokenRejected("typ")
    if "crit" in header:
        raise TokenRejected("crit")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in keys:
        raise TokenRejected("kid")

    try:
        signature = b64url_decode(signature_b64)
    except ValueError:
        raise TokenRejected("signature_malformed") from None
    if len(signature) != 64:
        raise TokenRejected("signature_length")
    try:
        keys[kid].verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except CryptoInvalidSignature:
        raise TokenRejected("signature") from None

    claims = _decode_json(payload_b64, "payload")
    if claims.get("iss") != issuer:
        raise TokenRejected("iss")
    if claims.get("aud") != audience:
        raise TokenRejected("aud")
    for name in ("iat", "nbf", "exp", "gsv"):
        if not _is_int(claims.get(name)):
            raise TokenRejected(f"{name}_malformed")
    if not isinstance(claims.get("sub"), str) or not _ADDRESS.fullmatch(claims["sub"]):
        raise TokenRejected("sub_malformed")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise TokenRejected("jti_malformed")
    gates = claims.get("gates")
    if not isinstance(gates, list) or not all(isinstance(slug, str) for slug in gates):
        raise TokenRejected("gates_malformed")
    if not math.isfinite(now):
        raise TokenRejected("clock")
    if now >= claims["exp"] + leeway:
        raise TokenRejected("expired")
    if now < claims["nbf"] - leeway:
        raise TokenRejected("not_yet_valid")
    return claims


# --- Keys ----------------------------------------------------------------------------------


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable kid: the first 16 bytes of the SHA-256 of the raw public key."""
    return b64url_encode(hashlib.sha256(public_key_bytes(public_key)).digest()[:16])


def public_jwk(kid: str, public_key: Ed25519PublicKey) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(public_key_bytes(public_key)),
        "kid": kid,
        "alg": ALG,
        "use": "sig",
    }


def keys_from_jwks(jwks: object) -> dict[str, Ed25519PublicKey]:
    """Usable Ed25519 verification keys from a JWKS document; anything else is ignored."""
    keys: dict[str, Ed25519PublicKey] = {}
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    for jwk in entries if isinstance(entries, list) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        if jwk.get("alg", ALG) != ALG or jwk.get("use", "sig") != "sig":
            continue
        kid, x = jwk.get("kid"), jwk.get("x")
        if not isinstance(kid, str) or not isinstance(x, str):
            continue
        try:
            raw = b64url_decode(x)
        except ValueError:
            continue
        if len(raw) == 32:
            keys[kid] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def _sealing_key(secret: str) -> bytes:
    return hashlib.sha256(b"tokengate/signing-key-sealing/v1\x00" + secret.encode("utf-8")).digest()


def seal_private_key(key: Ed25519PrivateKey, *, secret: str, kid: str) -> bytes:
    """Encrypt a private key for storage (AES-256-GCM, bound to its kid)."""
    nonce = os.urandom(12)
    return nonce + AESGCM(_sealing_key(secret)).encrypt(nonce, private_key_bytes(key), kid.encode("ascii"))


def open_private_key(sealed: bytes, *, secret: str, kid: str) -> Ed25519PrivateKey:
    """Decrypt a sealed private key; raises ValueError if the secret or kid is wrong."""
    try:
        raw = AESGCM(_sealing_key(secret)).decrypt(sealed[:12], sealed[12:], kid.encode("ascii"))
    except InvalidTag:
        raise ValueError("the signing key cannot be decrypted with the configured secret") from None
    return Ed25519PrivateKey.from_private_bytes(raw)
