"""API v1: the site's gates, and token lookup for the admin screens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from .. import amounts
from ..chain.erc20 import TokenInfo
from ..errors import DecimalsUnknown, InvalidRequest
from ..models import Gate, Token
from ..services import gates, tokens
from . import serializers as s
from .views import ERRORS, SiteView

GATE_ERRORS = {**ERRORS, 404: OpenApiResponse(s.ErrorOut), 409: OpenApiResponse(s.ErrorOut)}


def gate_body(gate: Gate) -> dict[str, Any]:
    requirements = []
    for requirement in gate.requirements.all():
        token = requirement.token
        requirements.append(
            {
                "chain_id": token.chain_id,
                "token_address": token.address,
                "symbol": token.symbol,
                "token_name": token.name,
                "decimals": token.decimals,
                "minimum": amounts.to_human(int(requirement.minimum), token.decimals),
                "minimum_raw": str(requirement.minimum),
            }
        )
    body = {
        "slug": gate.slug,
        "name": gate.name,
        "teaser": gate.teaser,
        "mode": gate.mode,
        "requirements": requirements,
        "created_at": gate.created_at,
        "updated_at": gate.updated_at,
    }
    return dict(s.GateOut(body).data)


def _requirements(data: dict[str, Any]) -> list[gates.RequirementIn]:
    return [
        gates.RequirementIn(
            chain_id=r["chain_id"], token_address=r["token_address"], minimum=r["minimum"], decimals=r.get("decimals")
        )
        for r in data["requirements"]
    ]


class GateListView(SiteView):
    @extend_schema(
        operation_id="api_v1_gates_list", responses={200: s.GateListOut, **ERRORS}, summary="List this site's gates"
    )
    def get(self, request: Request) -> Response:
        listed = gates.gate_list(site=self.site)
        return Response({"gates": [gate_body(g) for g in listed], "gate_set_version": self.site.gate_set_version})

    @extend_schema(request=s.GateIn, responses={201: s.GateOut, **GATE_ERRORS}, summary="Create a gate")
    def post(self, request: Request) -> Response:
        data = s.GateIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        gate = gates.gate_create(
            site=self.site,
            slug=v["slug"],
            name=v["name"],
            teaser=v["teaser"],
            mode=v["mode"],
            requirements=_requirements(v),
        )
        return Response(gate_body(gate), status=201)


class GateDetailView(SiteView):
    @extend_schema(responses={200: s.GateOut, **GATE_ERRORS}, summary="One gate")
    def get(self, request: Request, slug: str) -> Response:
        return Response(gate_body(gates.gate_get(site=self.site, slug=slug)))

    @extend_schema(request=s.GateUpdateIn, responses={200: s.GateOut, **GATE_ERRORS}, summary="Replace a gate")
    def put(self, request: Request, slug: str) -> Response:
        data = s.GateUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v.get("slug", slug) != slug:
            raise InvalidRequest("slug: a gate's slug cannot change; create a new gate instead.", field="slug")
        gate = gates.gate_replace(
            site=self.site, slug=slug, name=v["name"], teaser=v["teaser"], mode=v["mode"], requirements=_requirements(v)
        )
        return Response(gate_body(gate))

    @extend_schema(responses={204: None, **GATE_ERRORS}, summary="Delete a gate")
    def delete(self, request: Request, slug: str) -> Response:
        gates.gate_delete(site=self.site, slug=slug)
        return Response(status=204)


class TokenLookupView(SiteView):
    rate_limited = True  # each lookup of an unknown token costs an RPC batch

    @extend_schema(
        parameters=[OpenApiParameter("chain_id", int, required=True), OpenApiParameter("address", str, required=True)],
        responses={200: s.TokenOut, **ERRORS},
        summary="Read a token's name, symbol and decimals",
    )
    def get(self, request: Request) -> Response:
        data = s.TokenLookupIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        found = tokens.token_lookup(chain_id=data.validated_data["chain_id"], address=data.validated_data["address"])
        if isinstance(found, TokenInfo) and found.decimals is None:
            raise DecimalsUnknown(
                f"{found.symbol or found.address} has no decimals(); the admin must give its decimals explicitly.",
                field="address",
            )
        standard = found.standard if isinstance(found, Token) else Token.ERC20
        body = {
            "chain_id": data.validated_data["chain_id"],
            "address": found.address,
            "standard": standard,
            "name": found.name,
            "symbol": found.symbol,
            "decimals": found.decimals,
        }
        return Response(s.TokenOut(body).data)
