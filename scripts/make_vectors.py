"""Write tests/vectors/access_tokens.json: access tokens and the verdict both verifiers must give.

The Python verifier (tokengate.tokens) and the plugin's PHP one are held to these. Tokens are
signed with fixed, test-only keys (their seeds are in the file) at a fixed time, and Ed25519 is
deterministic, so a re-run writes the same bytes. `--check` exits 1 when the file differs.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from tokengate import tokens  # noqa: E402

OUTPUT = ROOT / "tests" / "vectors" / "access_tokens.json"
ISSUER = "https://gate.example"
AUDIENCE = "site_9f2c41d07b"
ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"
NOW = 1767225600  # 2026-01-01T00:00:00Z
LEEWAY = tokens.DEFAULT_LEEWAY


def seed(label: str) -> bytes:
    return hashlib.sha256(f"tokengate test vectors, test-only key: {label}".encode()).digest()


SEEDS = {name: seed(name) for name in ("active", "previous", "foreign")}
KEYS = {name: Ed25519PrivateKey.from_private_bytes(raw) for name, raw in SEEDS.items()}
KID = {name: tokens.key_id(key.public_key()) for name, key in KEYS.items()}
X = {name: tokens.b64url_encode(tokens.public_key_bytes(key.public_key())) for name, key in KEYS.items()}


def jwks() -> dict[str, Any]:
    """The published keys, with entries a verifier must skip (each reuses the active key's x)."""
    ed25519 = {"kty": "OKP", "crv": "Ed25519", "x": X["active"]}
    return {
        "keys": [
            tokens.public_jwk(KID["active"], KEYS["active"].public_key()),
            tokens.public_jwk(KID["previous"], KEYS["previous"].public_key()),
            {"kty": "RSA", "kid": "rsa-1", "n": "sXch", "e": "AQAB", "alg": "RS256", "use": "sig"},
            {"kty": "OKP", "crv": "X25519", "kid": "skip-x25519", "x": X["active"]},
            {**ed25519, "kid": "skip-use-enc", "use": "enc"},
            {**ed25519, "kid": "skip-alg-es256", "alg": "ES256"},
            {**ed25519, "kid": "skip-alg-null", "alg": None},
            {**ed25519, "kid": "skip-padded-x", "x": X["active"] + "="},
            {**ed25519, "kid": "skip-short-x", "x": X["active"][:42]},
            {"kty": "OKP", "crv": "Ed25519", "kid": "skip-no-x"},
            {**ed25519, "kid": 7},
            "not a jwk",
        ]
    }


def b64(raw: bytes | str) -> str:
    return tokens.b64url_encode(raw.encode() if isinstance(raw, str) else raw)


def js(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


_DROP = object()  # a claims() override that removes the claim


def header(**overrides: Any) -> dict[str, Any]:
    return {"alg": tokens.ALG, "typ": tokens.TYP, "kid": KID["active"], **overrides}


def claims(**overrides: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": ADDRESS,
        "iat": NOW - 60,
        "nbf": NOW - 60,
        "exp": NOW + 540,
        "jti": "vector",
        "gates": ["gold"],
        "gsv": 3,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not _DROP}


def sign(header_b64: str, payload_b64: str, key: str = "active") -> str:
    """header.payload.signature over exactly these segment texts."""
    signing_input = f"{header_b64}.{payload_b64}"
    return f"{signing_input}.{b64(KEYS[key].sign(signing_input.encode('ascii')))}"


def token(claims_: dict[str, Any] | None = None, header_: dict[str, Any] | None = None, key: str = "active") -> str:
    return sign(b64(js(header_ or header())), b64(js(claims_ or claims())), key)


def with_url_alphabet(make: Any) -> str:
    """A segment whose base64url has both '-' and '_', so its standard-alphabet twin differs.

    `make` gets a filler text; '>', '?' and '~' encode to '-' or '_' at some offsets mod 3.
    """
    for n in range(12):
        segment = make("x" * n + "??>>~~")
        if "-" in segment and "_" in segment:
            return str(segment)
    raise RuntimeError("no segment with '-' and '_'")


def sized_token(length: int) -> str:
    """A valid token of exactly `length` bytes (gates padded; a header field shifts the length mod 4)."""
    for header_ in (header(), *(header(cty="x" * n) for n in range(1, 4))):
        for pad in range(length):
            candidate = token(claims(gates=["gold", "g" * pad]), header_)
            if len(candidate) == length:
                return candidate
            if len(candidate) > length:
                break
    raise RuntimeError(f"cannot size a token to {length} bytes")


def vectors() -> list[dict[str, Any]]:
    good = token()
    head, body, sig = good.split(".")
    raw_sig = tokens.b64url_decode(sig)
    out: list[dict[str, Any]] = []

    def add(name: str, value: str, reason: str | None = None) -> None:
        vector: dict[str, Any] = {"name": name, "token": value, "valid": reason is None}
        if reason is not None:
            vector["reason"] = reason
        out.append(vector)

    # Accepted.
    add("valid", good)
    add("valid_previous_key", token(header_=header(kid=KID["previous"]), key="previous"))
    add("valid_lowercase_address", token(claims(sub=ADDRESS.lower())))
    add("valid_no_gates", token(claims(gates=[])))
    add("valid_extra_header_and_claims", token(claims(extra={"nested": [1]}), header(cty="x")))
    add("valid_exp_within_leeway", token(claims(iat=NOW - 700, nbf=NOW - 700, exp=NOW - LEEWAY + 1)))
    add("valid_nbf_within_leeway", token(claims(iat=NOW + LEEWAY, nbf=NOW + LEEWAY, exp=NOW + 600)))
    add("valid_exactly_4096_bytes", sized_token(tokens.MAX_TOKEN_BYTES))

    # Time.
    add("expired_at_leeway_edge", token(claims(iat=NOW - 700, nbf=NOW - 700, exp=NOW - LEEWAY)), "expired")
    add("expired", token(claims(iat=NOW - 4000, nbf=NOW - 4000, exp=NOW - 3400)), "expired")
    add("not_yet_valid_at_leeway_edge", token(claims(nbf=NOW + LEEWAY + 1, exp=NOW + 700)), "not_yet_valid")
    add("not_yet_valid", token(claims(iat=NOW + 3600, nbf=NOW + 3600, exp=NOW + 4200)), "not_yet_valid")

    # Audience and issuer.
    add("wrong_aud", token(claims(aud="site_other")), "aud")
    add("aud_as_list", token(claims(aud=[AUDIENCE])), "aud")
    add("aud_missing", token(claims(aud=_DROP)), "aud")
    add("wrong_iss", token(claims(iss="https://evil.example")), "iss")
    add("iss_trailing_slash", token(claims(iss=ISSUER + "/")), "iss")

    # Header.
    add("wrong_typ", token(header_=header(typ="JWT")), "typ")
    add("typ_missing", token(header_={"alg": tokens.ALG, "kid": KID["active"]}), "typ")
    add("unknown_kid", token(header_=header(kid="no-such-kid")), "kid")
    add("kid_missing", token(header_={"alg": tokens.ALG, "typ": tokens.TYP}), "kid")
    add("kid_not_a_string", token(header_=header(kid=1)), "kid")
    for skipped in ("skip-use-enc", "skip-alg-es256", "skip-alg-null", "skip-padded-x", "skip-x25519"):
        add(
            f"kid_of_skipped_jwk_{skipped.removeprefix('skip-').replace('-', '_')}",
            token(header_=header(kid=skipped)),
            "kid",
        )
    add("crit_header", token(header_=header(crit=["exp"])), "crit")
    add("alg_none", f"{b64(js(header(alg='none')))}.{body}.", "alg")
    add("alg_none_with_signature", f"{b64(js(header(alg='none')))}.{body}.{sig}", "alg")
    add("alg_missing", token(header_={"typ": tokens.TYP, "kid": KID["active"]}), "alg")
    add("alg_lowercase", token(header_=header(alg="eddsa")), "alg")
    add("alg_ed25519", token(header_=header(alg="Ed25519")), "alg")
    dup = '{"alg":"EdDSA","kid":"%s","typ":"tokengate+jwt","alg":"none"}' % KID["active"]  # noqa: UP031
    add("alg_duplicate_last_wins", sign(b64(dup), body), "alg")
    for secret_name, secret in (("raw", tokens.public_key_bytes(KEYS["active"].public_key())), ("x", X["active"])):
        hs_input = f"{b64(js(header(alg='HS256')))}.{body}"
        key_bytes = secret if isinstance(secret, bytes) else secret.encode()
        mac = hmac.new(key_bytes, hs_input.encode(), hashlib.sha256).digest()
        add(f"alg_hs256_public_key_{secret_name}_as_secret", f"{hs_input}.{b64(mac)}", "alg")

    # Signature.
    add("tampered_payload", f"{head}.{b64(js(claims(gates=['gold', 'platinum'])))}.{sig}", "signature")
    add("tampered_header", f"{b64(js(header(cty='x')))}.{body}.{sig}", "signature")
    flipped = bytes([raw_sig[0], raw_sig[1] ^ 0x01, *raw_sig[2:]])
    add("tampered_signature", f"{head}.{body}.{b64(flipped)}", "signature")
    add("signature_by_foreign_key", token(key="foreign"), "signature")
    add("signature_of_another_token", f"{head}.{body}.{token(claims(jti='other')).split('.')[2]}", "signature")
    add("signature_by_previous_key_under_active_kid", token(key="previous"), "signature")
    for length in (0, 32, 63, 65, 128):
        add(f"signature_{length}_bytes", f"{head}.{body}.{b64((raw_sig * 2)[:length])}", "signature_length")
    add("truncated_signature_bytes", f"{head}.{body}.{b64(raw_sig[:48])}", "signature_length")
    add("truncated_token_by_6", good[:-6], "signature_length")
    add("truncated_token_by_1", good[:-1], "signature_malformed")
    add("truncated_to_two_segments", f"{head}.{body[:20]}", "segments")

    # Size.
    add("oversized_4097_bytes", sized_token(tokens.MAX_TOKEN_BYTES + 1), "too_large")
    add("oversized_8_kb", token(claims(gates=["g" * 60] * 100)), "too_large")

    # Segments.
    add("empty", "", "segments")
    add("one_segment", head, "segments")
    add("two_segments", f"{head}.{body}", "segments")
    add("four_segments", f"{good}.{sig}", "segments")
    add("trailing_dot", f"{good}.", "segments")

    # Strict base64url (no padding, no '+' or '/', canonical trailing bits, no whitespace).
    add("header_padded", f"{head}{'=' * (-len(head) % 4) or '='}.{body}.{sig}", "header_malformed")
    std_head = with_url_alphabet(lambda n: b64(js(header(pad=n))))
    add("header_standard_alphabet", f"{std_head.translate(str.maketrans('-_', '+/'))}.{body}.{sig}", "header_malformed")
    add("header_length_mod_4_is_1", f"{head}{'A' * ((1 - len(head)) % 4 or 4)}.{body}.{sig}", "header_malformed")
    url_body = with_url_alphabet(lambda n: b64(js(claims(jti=n))))
    std_body = url_body.translate(str.maketrans("-_", "+/"))
    add("payload_standard_alphabet_signed", sign(head, std_body), "payload_malformed")
    add("payload_padded_signed", sign(head, body + ("=" * (-len(body) % 4) or "=")), "payload_malformed")
    std_sig = with_url_alphabet(lambda n: token(claims(jti="sig" + n)).split(".")[2])
    add(
        "signature_standard_alphabet",
        f"{head}.{body}.{std_sig.translate(str.maketrans('-_', '+/'))}",
        "signature_malformed",
    )
    add("signature_padded", f"{head}.{body}.{sig}==", "signature_malformed")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    non_canonical = sig[:-1] + alphabet[alphabet.index(sig[-1]) | 1]
    add("signature_non_canonical_trailing_bits", f"{head}.{body}.{non_canonical}", "signature_malformed")
    add("trailing_newline", f"{good}\n", "signature_malformed")
    add("space_in_header", f"{head[:4]} {head[4:]}.{body}.{sig}", "header_malformed")

    # Not JSON objects.
    for name, text in (
        ("array", "[]"),
        ("list_of_header", f"[{js(header())}]"),
        ("string", '"EdDSA"'),
        ("null", "null"),
        ("number", "1"),
        ("invalid_json", '{"alg":"EdDSA",'),
        ("empty", ""),
    ):
        add(f"header_{name}", f"{b64(text)}.{body}.{sig}", "header_malformed")
    not_utf8 = b64(b'{"alg":"EdDSA\xff"}')
    add("header_not_utf8", f"{not_utf8}.{body}.{sig}", "header_malformed")
    add("payload_array_signed", sign(head, b64("[1]")), "payload_malformed")
    add("payload_invalid_json_signed", sign(head, b64('{"iss":')), "payload_malformed")
    add("payload_empty_signed", sign(head, ""), "payload_malformed")

    # Claim types, all properly signed.
    for name, overrides, reason in (
        ("exp_string", {"exp": str(NOW + 540)}, "exp_malformed"),
        ("exp_float", {"exp": float(NOW + 540)}, "exp_malformed"),
        ("exp_bool", {"exp": True}, "exp_malformed"),
        ("exp_missing", {"exp": _DROP}, "exp_malformed"),
        ("nbf_null", {"nbf": None}, "nbf_malformed"),
        ("iat_missing", {"iat": _DROP}, "iat_malformed"),
        ("gsv_string", {"gsv": "3"}, "gsv_malformed"),
        ("gsv_missing", {"gsv": _DROP}, "gsv_malformed"),
        ("sub_without_0x", {"sub": ADDRESS[2:]}, "sub_malformed"),
        ("sub_short", {"sub": ADDRESS[:-1]}, "sub_malformed"),
        ("sub_trailing_newline", {"sub": ADDRESS + "\n"}, "sub_malformed"),
        ("sub_ens_name", {"sub": "vitalik.eth"}, "sub_malformed"),
        ("sub_missing", {"sub": _DROP}, "sub_malformed"),
        ("jti_empty", {"jti": ""}, "jti_malformed"),
        ("jti_number", {"jti": 1}, "jti_malformed"),
        ("gates_object", {"gates": {"0": "gold"}}, "gates_malformed"),
        ("gates_with_number", {"gates": ["gold", 1]}, "gates_malformed"),
        ("gates_string", {"gates": "gold"}, "gates_malformed"),
        ("gates_null", {"gates": None}, "gates_malformed"),
    ):
        add(f"claims_{name}", token(claims(**overrides)), reason)

    # Not ASCII.
    add("non_ascii", "é.é.é", "not_a_token")
    add("valid_token_with_non_ascii_suffix", f"{good}é", "not_a_token")
    return out


def document() -> str:
    doc = {
        "about": (
            "Access-token verdicts both verifiers must give (tokengate/tokens.py and the plugin's "
            "Tokengate_Verifier). Written by scripts/make_vectors.py; do not edit by hand."
        ),
        "test_only_private_key_seeds": {KID[name]: b64(raw) for name, raw in SEEDS.items()},
        "jwks": jwks(),
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "now": NOW,
        "leeway": LEEWAY,
        "vectors": vectors(),
    }
    return json.dumps(doc, indent=2) + "\n"


def self_check(text: str) -> None:
    """Refuse to write vectors the Python verifier disagrees with."""
    doc = json.loads(text)
    keys = tokens.keys_from_jwks(doc["jwks"])
    assert sorted(keys) == sorted([KID["active"], KID["previous"]]), keys
    names = [vector["name"] for vector in doc["vectors"]]
    assert len(names) == len(set(names)), "duplicate vector names"
    for vector in doc["vectors"]:
        try:
            tokens.verify_access_token(
                vector["token"], keys=keys, audience=AUDIENCE, issuer=ISSUER, now=NOW, leeway=LEEWAY
            )
            verdict = None
        except tokens.TokenRejected as rejected:
            verdict = rejected.reason
        assert verdict == vector.get("reason"), (vector["name"], verdict, vector.get("reason"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    args = parser.parse_args()
    text = document()
    self_check(text)
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run scripts/make_vectors.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(json.loads(text)['vectors'])} vectors to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
