"""API v1 views: parse input, call one service, shape output."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import ratelimit
from ..models import Site
from ..services import keys, login, sessions
from ..services.chains import chain_configs
from ..services.sessions import IssuedTokens
from . import serializers as s
from .errors import error_body

ERRORS = {code: OpenApiResponse(s.ErrorOut) for code in (400, 401, 429, 503)}


def client_ip(request: Request) -> str:
    """The reader's IP: as forwarded by the authenticated site (the plugin proxies logins),
    else the connection's peer address."""
    forwarded = request.META.get("HTTP_TOKENGATE_CLIENT_IP", "").strip()
    if forwarded and isinstance(request.auth, Site):
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return str(request.META.get("REMOTE_ADDR", "unknown"))


class SiteView(APIView):
    """Base for endpoints called with a site key; login endpoints are rate limited."""

    rate_limited = False

    @property
    def site(self) -> Site:
        assert isinstance(self.request.auth, Site)
        return self.request.auth

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.rate_limited:
            # Per reader IP within this site: a site cannot spend a reader's budget on other sites.
            ratelimit.hit(f"ip:{self.site.pk}:{client_ip(request)}", settings.TOKENGATE_RATE_LIMIT_IP)
            ratelimit.hit(f"site:{self.site.pk}", settings.TOKENGATE_RATE_LIMIT_SITE)


def _tokens_body(issued: IssuedTokens) -> dict[str, Any]:
    return {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "refresh_expires_in": issued.refresh_expires_in,
        "address": issued.address,
        "gates": list(issued.gates),
        "gsv": issued.gate_set_version,
        "holdings": list(issued.holdings),
    }


class NonceView(SiteView):
    rate_limited = True

    @extend_schema(request=None, responses={201: s.NonceOut, **ERRORS}, summary="Issue a SIWE nonce")
    def post(self, request: Request) -> Response:
        nonce = login.nonce_issue(site=self.site)
        body = {
            "nonce": nonce.value,
            "issued_at": nonce.issued_at,
            "expires_at": nonce.expires_at,
            "domains": self.site.domains,
            "chain_ids": list(chain_configs()),
            "statement": settings.TOKENGATE_SIWE_STATEMENT,
            "version": "1",
        }
        # The body already has NonceOut's shape (the schema documents it); running it through the
        # serializer only copied it field by field, ~0.35 ms per login. The renderer writes the
        # datetimes as DateTimeField would (ISO 8601, UTC as "Z").
        return Response(body, status=201)


class VerifyView(SiteView):
    rate_limited = True

    @extend_schema(request=s.VerifyIn, responses={200: s.TokensOut, **ERRORS}, summary="Sign in with a SIWE message")
    def post(self, request: Request) -> Response:
        data = s.VerifyIn(data=request.data)
        data.is_valid(raise_exception=True)
        issued = login.login(
            site=self.site, message=data.validated_data["message"], signature=data.validated_data["signature"]
        )
        return Response(_tokens_body(issued))


class RefreshView(SiteView):
    rate_limited = True

    @extend_schema(request=s.RefreshTokenIn, responses={200: s.TokensOut, **ERRORS}, summary="Rotate a refresh token")
    def post(self, request: Request) -> Response:
        data = s.RefreshTokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        issued = sessions.session_refresh(site=self.site, refresh_token=data.validated_data["refresh_token"])
        return Response(_tokens_body(issued))


class RevokeView(SiteView):
    @extend_schema(request=s.RefreshTokenIn, responses={204: None, **ERRORS}, summary="Log out (revoke a session)")
    def post(self, request: Request) -> Response:
        data = s.RefreshTokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        sessions.session_revoke(site=self.site, refresh_token=data.validated_data["refresh_token"])
        return Response(status=204)


class SiteInfoView(SiteView):
    @extend_schema(
        responses={200: s.SiteOut, 401: OpenApiResponse(s.ErrorOut), 503: OpenApiResponse(s.ErrorOut)},
        summary="This site's settings",
    )
    def get(self, request: Request) -> Response:
        site = self.site
        body = {
            "site_id": site.public_id,
            "name": site.name,
            "domains": site.domains,
            "gate_set_version": site.gate_set_version,
            "issuer": settings.TOKENGATE_ISSUER,
            "chains": [{"chain_id": c.chain_id, "name": c.name} for c in chain_configs().values()],
        }
        return Response(s.SiteOut(body).data)


class JwksView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict}, summary="Public keys that verify access tokens")
    def get(self, request: Request) -> Response:
        response = Response(keys.jwks())
        response["Cache-Control"] = "public, max-age=300"
        return response


def _probe(view: Callable[[HttpRequest], JsonResponse]) -> Callable[[HttpRequest], JsonResponse]:
    """A GET-only, CSRF-exempt probe that answers every other method with a JSON 405."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest) -> JsonResponse:
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse(
                error_body("method_not_allowed", f'Method "{request.method}" not allowed.'), status=405
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request)

    return wrapper


@_probe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@_probe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when the database answers and the cache (where rate limits are counted) works."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = type(exc).__name__
    try:
        cache.set("tokengate:readyz", "1", timeout=5)
        checks["cache"] = "ok" if cache.get("tokengate:readyz") == "1" else "unreadable"
    except Exception as exc:
        checks["cache"] = type(exc).__name__
    failed = [f"{name}: {state}" for name, state in checks.items() if state != "ok"]
    if failed:
        body = error_body("service_unavailable", "Not ready: " + ", ".join(failed))
        return JsonResponse({"status": "unavailable", **checks, **body}, status=503)
    return JsonResponse({"status": "ok", **checks})
