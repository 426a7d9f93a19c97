"""API behaviour every client meets: JSON errors with stable codes, limits, operability."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from django.db.utils import OperationalError
from django.test import Client

from tokengate.errors import TokenGateError

from .conftest import build_message, sign


def test_every_error_code_is_documented():
    documented = Path("docs/api.md").read_text()
    codes = {cls.code for cls in _all_subclasses(TokenGateError)}
    codes |= {"unsupported_media_type", "method_not_allowed", "not_found", "internal_error"}
    missing = sorted(code for code in codes if f"`{code}`" not in documented)
    assert not missing, f"error codes missing from docs/api.md: {missing}"


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_unknown_path_is_json_404(db, client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method(client_site):
    response = client_site.get("/api/v1/siwe/verify")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("body", ["{bad json", "[1, 2", '{"message": NaN}', "[" * 60000, "\xff\xfe"])
def test_malformed_json(client_site, body):
    response = client_site.http.post("/api/v1/siwe/verify", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_wrong_content_type(client_site):
    response = client_site.http.post(
        "/api/v1/siwe/verify", "message=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_body_too_large(client_site, settings):
    body = json.dumps({"message": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "signature": "0x"})
    response = client_site.http.post("/api/v1/siwe/verify", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "message"),
        ({"message": "x"}, "signature"),
        ({"message": ["x"], "signature": "0x"}, "message"),
        ({"message": None, "signature": "0x"}, "message"),
        ([1, 2], None),
        ("just a string", None),
    ],
)
def test_missing_or_mistyped_fields(client_site, body, field):
    response = client_site.post("/api/v1/siwe/verify", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error.get("field") == field
    if field:
        assert error["message"].startswith(field)


def test_database_down_is_503(client_site, account, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("tokengate.services.login.nonce_issue", broken)
    response = client_site.post("/api/v1/siwe/nonce")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_healthz_and_readyz(db):
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "ok"


def test_readyz_reports_database_down(db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr("tokengate.api.views.connection", Unreachable())
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_openapi_schema_and_docs_page(db):
    client = Client()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert {"/api/v1/siwe/nonce", "/api/v1/siwe/verify", "/api/v1/sessions/refresh", "/api/v1/sessions/revoke"} <= set(
        paths
    )
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn." not in docs.content  # assets are served locally: works offline


def test_jwks_is_public_and_cacheable(db):
    response = Client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert {key["kty"], key["crv"], key["alg"], key["use"]} == {"OKP", "Ed25519", "EdDSA", "sig"}
    assert "max-age" in response["Cache-Control"]
    assert "d" not in key  # never the private part


def test_logs_never_contain_secrets(client_site, account, caplog):
    caplog.set_level(logging.DEBUG)
    nonce = client_site.nonce()
    message = build_message(address=account.address, nonce=nonce)
    signature = sign(account, message)
    body = client_site.verify(message, signature).json()
    client_site.post("/api/v1/sessions/refresh", {"refresh_token": body["refresh_token"]})
    client_site.verify(message, signature)  # an error path too
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "tokengate.request" in {r.name for r in caplog.records}
    for secret in (client_site.api_key, signature, signature[2:], body["access_token"], body["refresh_token"], nonce):
        assert secret not in text
    request_records = [r for r in caplog.records if r.name == "tokengate.request"]
    assert {r.__dict__["site"] for r in request_records} == {client_site.site.public_id}
    assert "nonce_used" in {r.__dict__["error_code"] for r in request_records}


def test_probes_answer_json_to_other_methods(db):
    response = Client(enforce_csrf_checks=True).post("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_readyz_reports_cache_down(db, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "ConnectionError"


def test_changed_encryption_secret_is_a_clear_503(client_site, account, settings):
    from tokengate.services import keys

    jwks_before = client_site.get("/.well-known/jwks.json").json()
    keys._private_keys.clear()
    settings.TOKENGATE_KEY_ENCRYPTION_KEY = "a different secret"
    response = client_site.login(account)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    # Public keys need no decryption: the JWKS keeps working for the sites that verify tokens.
    assert client_site.get("/.well-known/jwks.json").json() == jwks_before


def test_json_log_lines_drop_query_strings():
    from django.test import RequestFactory

    from tokengate.logs import JsonFormatter

    request = RequestFactory().get("/readyz?secret=abc")
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", None, None)
    record.request = request
    line = json.loads(JsonFormatter().format(record))
    assert line["request"] == "GET /readyz"
    assert "abc" not in json.dumps(line)
