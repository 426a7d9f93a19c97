"""The Django admin for the holdings work: gate changes bump the site's gate-set version, chain
edits take effect at once in this process, and every page renders."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tokengate.models import Chain, Gate, Site
from tokengate.services.chains import chain_configs

from .conftest import make_gate


@pytest.fixture
def staff(db, client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only"))
    return client


def test_editing_and_deleting_a_gate_in_the_admin_bumps_the_version(staff, client_site, chain):
    token = chain.deploy_token("Gold", "GOLD", 6)
    make_gate(client_site, "gold", [{"chain_id": 31337, "token_address": token, "minimum": "1"}])
    gate = Gate.objects.get(slug="gold")
    requirement = gate.requirements.get()
    version = Site.objects.get(pk=client_site.site.pk).gate_set_version
    form = {
        "site": gate.site_id,
        "slug": "gold",
        "name": "Renamed",
        "teaser": "",
        "mode": "any",
        "requirements-TOTAL_FORMS": "1",
        "requirements-INITIAL_FORMS": "1",
        "requirements-0-id": requirement.pk,
        "requirements-0-gate": gate.pk,
        "requirements-0-token": requirement.token_id,
        "requirements-0-minimum": "5",
        "requirements-0-position": "0",
    }
    response = staff.post(f"/admin/tokengate/gate/{gate.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Site.objects.get(pk=client_site.site.pk).gate_set_version == version + 1
    assert gate.requirements.get().minimum == 5

    response = staff.post(f"/admin/tokengate/gate/{gate.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert Site.objects.get(pk=client_site.site.pk).gate_set_version == version + 2


def test_a_chain_saved_in_the_admin_applies_at_once(staff, settings):
    settings.TOKENGATE_CHAINS = {31337: ("http://127.0.0.1:8545",)}
    assert 8453 not in chain_configs()
    form = {
        "chain_id": "8453",
        "name": "Base",
        "rpc_urls": '["https://base.example"]',
        "multicall_address": "0xcA11bde05977b3631167028862bE2a173976CA11",
        "enabled": "on",
    }
    assert staff.post("/admin/tokengate/chain/add/", form).status_code == 302
    assert chain_configs()[8453].rpc_urls == ("https://base.example",)
    bad = staff.post("/admin/tokengate/chain/add/", {**form, "chain_id": "10", "rpc_urls": '["ftp://x"]'})
    assert bad.status_code == 200 and b"http(s) URLs" in bad.content
    assert not Chain.objects.filter(chain_id=10).exists()


@pytest.mark.parametrize("model", ["chain", "token", "gate", "holding"])
def test_admin_lists_render(staff, model):
    assert staff.get(f"/admin/tokengate/{model}/").status_code == 200
