"""The shared access-token vectors: Python and the plugin's PHP verifier give the same verdicts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require
from tokengate import tokens

ROOT = Path(__file__).resolve().parent.parent
VECTORS_PATH = ROOT / "tests" / "vectors" / "access_tokens.json"
DOC = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
PHP_HOW = "install PHP 8.1+ with sodium (Debian: apt-get install php-cli), or put `php` on PATH"


def python_verdict(token: str) -> dict[str, Any]:
    try:
        found = tokens.verify_access_token(
            token,
            keys=tokens.keys_from_jwks(DOC["jwks"]),
            audience=DOC["audience"],
            issuer=DOC["issuer"],
            now=DOC["now"],
            leeway=DOC["leeway"],
        )
    except tokens.TokenRejected as rejected:
        return {"valid": False, "reason": rejected.reason}
    return {"valid": True, "claims": found}


@pytest.mark.parametrize("vector", DOC["vectors"], ids=[vector["name"] for vector in DOC["vectors"]])
def test_python_verdict(vector: dict[str, Any]) -> None:
    verdict = python_verdict(vector["token"])
    assert verdict["valid"] is vector["valid"]
    assert verdict.get("reason") == vector.get("reason")


def test_vectors_cover_the_contract() -> None:
    reasons = {vector.get("reason") for vector in DOC["vectors"]}
    assert {None, "alg", "typ", "kid", "crit", "signature", "signature_length", "signature_malformed"} <= reasons
    assert {"aud", "iss", "expired", "not_yet_valid", "too_large", "segments", "header_malformed"} <= reasons
    assert {"payload_malformed", "exp_malformed", "sub_malformed", "gates_malformed", "not_a_token"} <= reasons
    assert any(len(vector["token"]) == tokens.MAX_TOKEN_BYTES and vector["valid"] for vector in DOC["vectors"])


def test_vectors_file_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_vectors.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def php_verdicts() -> tuple[list[str], dict[str, dict[str, Any]]]:
    php = shutil.which("php")
    require(php is not None, "PHP CLI", PHP_HOW)
    assert php is not None
    has_sodium = subprocess.run(
        [php, "-r", "exit(function_exists('sodium_crypto_sign_verify_detached') ? 0 : 1);"], capture_output=True
    )
    require(has_sodium.returncode == 0, "PHP's sodium extension", PHP_HOW)
    result = subprocess.run(
        [php, str(ROOT / "tests" / "php" / "run_vectors.php"), str(VECTORS_PATH)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    first, *rest = (json.loads(line) for line in result.stdout.splitlines())
    return first["jwks_kids"], {line.pop("name"): line for line in rest}


def test_php_agrees_with_python_on_every_vector() -> None:
    kids, php = php_verdicts()
    assert sorted(kids) == sorted(tokens.keys_from_jwks(DOC["jwks"]))
    assert sorted(php) == sorted(vector["name"] for vector in DOC["vectors"])
    disagreements = {
        vector["name"]: {"php": php[vector["name"]], "python": python_verdict(vector["token"])}
        for vector in DOC["vectors"]
        if php[vector["name"]] != python_verdict(vector["token"])
    }
    assert disagreements == {}
