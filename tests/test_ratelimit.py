"""Rate limits per reader IP and per site, counted in the shared cache (Redis in `make test`)."""

from __future__ import annotations

import os

from django.core.cache import cache

from .conftest import require


def test_limits_use_redis_when_configured():
    require(bool(os.environ.get("REDIS_URL")), "Redis", "run `make test` (REDIS_URL=redis://127.0.0.1:6379/15)")
    assert type(cache._cache).__module__.startswith("django.core.cache.backends.redis")  # type: ignore[attr-defined]


def test_per_ip_limit(client_site, settings):
    settings.TOKENGATE_RATE_LIMIT_IP = (3, 60)
    statuses = [client_site.post("/api/v1/siwe/nonce").status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = client_site.post("/api/v1/siwe/nonce")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 61


def test_reader_ip_forwarded_by_the_site(client_site, settings):
    settings.TOKENGATE_RATE_LIMIT_IP = (2, 60)
    for reader in ("203.0.113.1", "203.0.113.2"):
        statuses = [
            client_site.post("/api/v1/siwe/nonce", HTTP_TOKENGATE_CLIENT_IP=reader).status_code for _ in range(3)
        ]
        assert statuses == [201, 201, 429], reader


def test_forwarded_ip_ignored_without_site_key(client_site, settings):
    settings.TOKENGATE_RATE_LIMIT_IP = (1, 60)
    client_site.http.credentials()
    for reader in ("203.0.113.1", "203.0.113.2"):
        # Without a key the request fails auth before limits; the header cannot open a fresh bucket.
        assert client_site.post("/api/v1/siwe/nonce", HTTP_TOKENGATE_CLIENT_IP=reader).status_code == 401


def test_per_site_limit(make_site, settings):
    settings.TOKENGATE_RATE_LIMIT_SITE = (3, 60)
    busy, quiet = make_site(), make_site()
    statuses = [
        busy.post("/api/v1/siwe/nonce", HTTP_TOKENGATE_CLIENT_IP=f"198.51.100.{i}").status_code for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    assert quiet.post("/api/v1/siwe/nonce").status_code == 201


def test_login_and_refresh_are_limited(client_site, account, settings):
    settings.TOKENGATE_RATE_LIMIT_IP = (2, 60)
    client_site.nonce()
    client_site.nonce()
    assert client_site.post("/api/v1/siwe/verify", {"message": "x", "signature": "0x"}).status_code == 429
    assert client_site.post("/api/v1/sessions/refresh", {"refresh_token": "x"}).status_code == 429


def test_limiter_down_fails_closed(client_site, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", broken)
    response = client_site.post("/api/v1/siwe/nonce")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_reader_budget_is_per_site(make_site, settings):
    settings.TOKENGATE_RATE_LIMIT_IP = (1, 60)
    first, second = make_site(), make_site()
    reader = {"HTTP_TOKENGATE_CLIENT_IP": "203.0.113.9"}
    assert first.post("/api/v1/siwe/nonce", **reader).status_code == 201
    assert first.post("/api/v1/siwe/nonce", **reader).status_code == 429
    # Another site's requests for the same reader are counted apart.
    assert second.post("/api/v1/siwe/nonce", **reader).status_code == 201
