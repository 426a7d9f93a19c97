"""Purging nonces and sessions keeps what can still be used."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from tokengate.models import Nonce, RefreshSession


def test_purge_keeps_live_rows(client_site, account):
    used_nonce_login = client_site.login(account).json()
    fresh = client_site.nonce()
    stale = client_site.nonce()
    Nonce.objects.filter(value=stale).update(expires_at=timezone.now() - timedelta(seconds=1))
    old = client_site.login(account).json()
    RefreshSession.objects.exclude(family=RefreshSession.objects.order_by("id").first().family).update(
        expires_at=timezone.now() - timedelta(days=8)
    )

    out = io.StringIO()
    call_command("tokengate_purge", stdout=out)
    assert "Deleted 3 nonces and 1 sessions" in out.getvalue()
    assert list(Nonce.objects.values_list("value", flat=True)) == [fresh]
    # The first login's session is untouched and still refreshes.
    response = client_site.post("/api/v1/sessions/refresh", {"refresh_token": used_nonce_login["refresh_token"]})
    assert response.status_code == 200
    assert client_site.post("/api/v1/sessions/refresh", {"refresh_token": old["refresh_token"]}).status_code == 401
