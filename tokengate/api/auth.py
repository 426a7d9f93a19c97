"""Site-key authentication: `Authorization: Bearer <site key>`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..errors import InvalidSiteKey
from ..models import Site
from ..services.sites import site_authenticate


class SiteKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[None, Site] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise InvalidSiteKey()
        site = site_authenticate(api_key=key.strip())
        request._request.tokengate_site_id = site.public_id  # type: ignore[attr-defined]
        return (None, site)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="tokengate"'


class IsSite(BasePermission):
    """Allows requests that presented a valid site key."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, Site):
            raise InvalidSiteKey()
        return True


class SiteKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "tokengate.api.auth.SiteKeyAuthentication"
    name = "siteKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "The site's API key (tgsk_…)."}
