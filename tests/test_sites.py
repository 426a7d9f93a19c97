"""Sites: the management command, the admin, and key handling."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from tokengate.models import Site


def run(*args) -> str:
    out = io.StringIO()
    call_command("tokengate_site", *args, stdout=out)
    return out.getvalue()


def test_add_prints_id_and_key_once(db):
    output = json.loads(
        run("add", "--name", "Blog", "--domain", "Blog.Example", "--domain", "www.blog.example", "--json")
    )
    site = Site.objects.get(public_id=output["site_id"])
    assert site.domains == ["blog.example", "www.blog.example"]
    assert output["api_key"].startswith("tgsk_")
    secret = output["api_key"].split("_", 2)[2]
    assert site.api_key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert output["api_key"] not in run("list") and output["api_key"] not in run("list", "--json")


def test_key_from_command_authenticates(db, client):
    output = json.loads(run("add", "--name", "Blog", "--domain", "blog.example", "--json"))
    response = client.get("/api/v1/site", HTTP_AUTHORIZATION=f"Bearer {output['api_key']}")
    assert response.status_code == 200
    assert response.json()["site_id"] == output["site_id"]
    assert response.json()["domains"] == ["blog.example"]


def test_add_human_output(db):
    text = run("add", "--name", "Blog", "--domain", "blog.example")
    assert "site id:" in text and "API key:  tgsk_" in text and "shown only now" in text


def test_list(db):
    run("add", "--name", "One", "--domain", "one.example")
    run("add", "--name", "Two", "--domain", "two.example")
    rows = json.loads(run("list", "--json"))
    assert [row["name"] for row in rows] == ["One", "Two"]
    assert "two.example" in run("list")


def test_rotate_key(db, client):
    first = json.loads(run("add", "--name", "Blog", "--domain", "blog.example", "--json"))
    second = json.loads(run("rotate-key", first["site_id"], "--json"))
    assert second["site_id"] == first["site_id"] and second["api_key"] != first["api_key"]
    old = client.get("/api/v1/site", HTTP_AUTHORIZATION=f"Bearer {first['api_key']}")
    new = client.get("/api/v1/site", HTTP_AUTHORIZATION=f"Bearer {second['api_key']}")
    assert (old.status_code, new.status_code) == (401, 200)


def test_rotate_unknown_site(db):
    with pytest.raises(CommandError, match="No site"):
        run("rotate-key", "site_missing")


@pytest.mark.parametrize("domain", ["https://blog.example", "blog.example/path", "bad domain", "", "a" * 300])
def test_add_rejects_bad_domains(db, domain):
    with pytest.raises(CommandError):
        run("add", "--name", "Blog", "--domain", domain)
    assert not Site.objects.exists()


def test_one_sites_key_never_reaches_another_sites_data(make_site, account):
    first, second = make_site(), make_site()
    assert first.get("/api/v1/site").json()["site_id"] == first.site.public_id
    assert second.get("/api/v1/site").json()["site_id"] == second.site.public_id
    # second's nonce cannot be used on first's key even for first's own domain
    nonce = second.nonce()
    assert first.login(account, nonce=nonce).json()["error"]["code"] == "nonce_unknown"


def test_admin_add_shows_key_once(db, client):
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(admin)
    response = client.post(
        "/admin/tokengate/site/add/",
        {"name": "From admin", "domains": '["Admin.Example"]', "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    site = Site.objects.get(name="From admin")
    assert site.domains == ["admin.example"]
    shown = [str(m) for m in response.context["messages"]]
    key = next(m.split(": ")[-1] for m in shown if "API key" in m)
    assert hashlib.sha256(key.split("_", 2)[2].encode()).hexdigest() == site.api_key_hash
    page = client.get(f"/admin/tokengate/site/{site.pk}/change/")
    assert key not in page.content.decode()


def test_admin_rejects_bad_domains(db, client):
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(admin)
    for domains in ('["https://x.example/"]', '"x.example"', "[]"):
        response = client.post("/admin/tokengate/site/add/", {"name": "Bad", "domains": domains, "is_active": "on"})
        assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not Site.objects.exists()
