"""Refresh tokens rotate on every use; reusing a rotated one ends the whole family."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tokengate.models import RefreshSession
from tokengate.services.keys import access_token_verify


def refresh(client, token):
    return client.post("/api/v1/sessions/refresh", {"refresh_token": token})


def test_refresh_rotates(client_site, account):
    first = client_site.login(account).json()
    second = refresh(client_site, first["refresh_token"])
    assert second.status_code == 200, second.content
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["address"] == account.address
    assert access_token_verify(body["access_token"], site=client_site.site)["sub"] == account.address
    third = refresh(client_site, body["refresh_token"])
    assert third.status_code == 200
    stored = list(RefreshSession.objects.values_list("family", flat=True))
    assert len(stored) == 3 and len(set(stored)) == 1


def test_reuse_revokes_family(client_site, account):
    first = client_site.login(account).json()["refresh_token"]
    newest = refresh(client_site, first).json()["refresh_token"]

    reuse = refresh(client_site, first)
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "refresh_reused"

    after = refresh(client_site, newest)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "refresh_invalid"


def test_reuse_leaves_other_logins_alone(client_site, account):
    stolen = client_site.login(account).json()["refresh_token"]
    other_device = client_site.login(account).json()["refresh_token"]
    refresh(client_site, stolen)
    assert refresh(client_site, stolen).json()["error"]["code"] == "refresh_reused"
    assert refresh(client_site, other_device).status_code == 200


def test_revoke_logs_out(client_site, account):
    token = client_site.login(account).json()["refresh_token"]
    response = client_site.post("/api/v1/sessions/revoke", {"refresh_token": token})
    assert response.status_code == 204
    assert refresh(client_site, token).json()["error"]["code"] == "refresh_invalid"
    # Logging out twice, or with an unknown token, is not an error.
    assert client_site.post("/api/v1/sessions/revoke", {"refresh_token": token}).status_code == 204
    assert client_site.post("/api/v1/sessions/revoke", {"refresh_token": "tgr_unknown"}).status_code == 204


def test_expired_refresh_token(client_site, account):
    token = client_site.login(account).json()["refresh_token"]
    RefreshSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert refresh(client_site, token).json()["error"]["code"] == "refresh_invalid"


def test_unknown_refresh_token(client_site):
    response = refresh(client_site, "tgr_" + "x" * 43)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "refresh_invalid"


def test_refresh_token_of_another_site(make_site, client_site, account):
    token = client_site.login(account).json()["refresh_token"]
    other = make_site()
    assert refresh(other, token).json()["error"]["code"] == "refresh_invalid"
    other.post("/api/v1/sessions/revoke", {"refresh_token": token})
    assert refresh(client_site, token).status_code == 200, "another site's key must not revoke this session"


def test_refresh_tokens_stored_hashed(client_site, account):
    token = client_site.login(account).json()["refresh_token"]
    stored = RefreshSession.objects.get()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
