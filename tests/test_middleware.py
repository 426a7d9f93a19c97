"""Session, user and message middleware run for the admin and skip the JSON API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from tokengate.middleware import AuthenticationMiddleware, MessageMiddleware, SessionMiddleware


def _seen(path: str) -> HttpRequest:
    """The request as the view behind the three middleware sees it."""
    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    chain = SessionMiddleware(AuthenticationMiddleware(MessageMiddleware(view)))
    chain(RequestFactory().get(path))
    return seen[0]


@pytest.mark.parametrize("path", ["/api/v1/siwe/nonce", "/.well-known/jwks.json", "/healthz", "/readyz"])
def test_json_api_skips_session_user_and_messages(path):
    request = _seen(path)
    assert not hasattr(request, "session")
    assert not hasattr(request, "user")
    assert not hasattr(request, "_messages")


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/api/docs/"])
def test_other_pages_get_them(path):
    request = _seen(path)
    assert hasattr(request, "session")
    assert hasattr(request, "user")
    assert hasattr(request, "_messages")


def test_admin_checks_pass():
    call_command("check", "--fail-level", "WARNING")


def test_admin_login_with_csrf(db):
    User.objects.create_superuser("admin", "admin@example.com", "a long admin password")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/")
    assert page.status_code == 200
    form = {"username": "admin", "password": "a long admin password", "next": "/admin/"}
    assert client.post("/admin/login/", form).status_code == 403, "a login without the CSRF token is refused"
    form["csrfmiddlewaretoken"] = page.context["csrf_token"]
    response = client.post("/admin/login/", form)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/tokengate/site/").status_code == 200


def test_api_answers_set_no_cookie(client_site):
    response = client_site.post("/api/v1/siwe/nonce")
    assert response.status_code == 201
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
