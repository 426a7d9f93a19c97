"""Replay under concurrency: the nonce is consumed by one conditional UPDATE on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests

from tokengate.models import RefreshSession
from tokengate.services.sites import site_create

from .conftest import build_message, is_postgres, require, sign

PARALLEL = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_verifies_with_one_nonce(live_server, account, settings):
    require(is_postgres(), "PostgreSQL", "run `make test` (DATABASE_URL=postgres://postgres@127.0.0.1:5432/tokengate)")
    settings.TOKENGATE_RATE_LIMIT_IP = (1000, 60)
    site, key = site_create(name="Concurrent", domains=["reader.example"])
    headers = {"Authorization": f"Bearer {key}"}
    nonce = requests.post(f"{live_server.url}/api/v1/siwe/nonce", headers=headers, timeout=10).json()["nonce"]
    message = build_message(address=account.address, nonce=nonce)
    body = {"message": message, "signature": sign(account, message)}
    barrier = Barrier(PARALLEL)

    def attempt(_: int) -> requests.Response:
        with requests.Session() as http:
            barrier.wait(timeout=30)
            return http.post(f"{live_server.url}/api/v1/siwe/verify", json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        responses = list(pool.map(attempt, range(PARALLEL)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * (PARALLEL - 1), [r.content for r in responses]
    codes = {r.json()["error"]["code"] for r in responses if r.status_code == 400}
    assert codes == {"nonce_used"}
    assert RefreshSession.objects.filter(site=site).count() == 1
