"""Gates: create, replace and delete a site's gates. Every change bumps the site's gate-set
version in the same transaction, so a token's `gsv` tells the plugin its gates are stale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from .. import amounts
from ..errors import GateExists, InvalidRequest, NotFound
from ..models import Gate, GateRequirement, Site, Token
from .tokens import token_resolve, token_store

MAX_GATES_PER_SITE = 200
MAX_REQUIREMENTS = 10  # a login reads every token of a site's gates: keep that bounded


@dataclass(frozen=True)
class RequirementIn:
    chain_id: int
    token_address: str
    minimum: str  # human amount, e.g. "100.5"
    decimals: int | None = None  # only for tokens without decimals()


def _resolve(requirements: Sequence[RequirementIn]) -> list[tuple[Token, int]]:
    """Read or look up each requirement's token (network I/O: before any transaction) and
    convert its minimum to raw units exactly."""
    if not requirements:
        raise InvalidRequest("requirements: a gate needs at least one requirement.", field="requirements")
    if len(requirements) > MAX_REQUIREMENTS:
        raise InvalidRequest(f"requirements: at most {MAX_REQUIREMENTS} per gate.", field="requirements")
    resolved: list[tuple[Token, int]] = []
    for i, requirement in enumerate(requirements):
        field = f"requirements.{i}"
        token = token_resolve(
            chain_id=requirement.chain_id,
            address=requirement.token_address,
            decimals=requirement.decimals,
            field=field,
        )
        try:
            minimum = amounts.to_raw(requirement.minimum, token.decimals)
        except amounts.AmountError as exc:
            raise InvalidRequest(f"{field}.minimum: {exc}.", field=f"{field}.minimum") from None
        if minimum == 0:
            raise InvalidRequest(f"{field}.minimum: must be more than 0.", field=f"{field}.minimum")
        if any((t.chain_id, t.address) == (token.chain_id, token.address) for t, _ in resolved):
            raise InvalidRequest(f"{field}: this token is already required by this gate.", field=field)
        resolved.append((token, minimum))
    return resolved


def _bump(site: Site) -> None:
    Site.objects.filter(pk=site.pk).update(gate_set_version=F("gate_set_version") + 1)
    site.refresh_from_db(fields=["gate_set_version"])


def _write_requirements(gate: Gate, resolved: list[tuple[Token, int]]) -> None:
    GateRequirement.objects.bulk_create(
        GateRequirement(gate=gate, token=token_store(token), minimum=minimum, position=i)
        for i, (token, minimum) in enumerate(resolved)
    )


def gate_get(*, site: Site, slug: str) -> Gate:
    gate = Gate.objects.filter(site=site, slug=slug).prefetch_related("requirements__token").first()
    if gate is None:
        raise NotFound(f"This site has no gate {slug!r}.")
    return gate


def gate_list(*, site: Site) -> list[Gate]:
    return list(Gate.objects.filter(site=site).prefetch_related("requirements__token").order_by("slug"))


def gate_create(
    *, site: Site, slug: str, name: str, teaser: str, mode: str, requirements: Sequence[RequirementIn]
) -> Gate:
    if Gate.objects.filter(site=site, slug=slug).exists():  # before any chain read: a 409, not a 503
        raise GateExists(f"This site already has a gate {slug!r}.", field="slug")
    resolved = _resolve(requirements)
    try:
        with transaction.atomic():
            if Gate.objects.filter(site=site).count() >= MAX_GATES_PER_SITE:
                raise InvalidRequest(f"A site can have at most {MAX_GATES_PER_SITE} gates.")
            gate = Gate.objects.create(site=site, slug=slug, name=name, teaser=teaser, mode=mode)
            _write_requirements(gate, resolved)
            _bump(site)
    except IntegrityError:
        raise GateExists(f"This site already has a gate {slug!r}.", field="slug") from None
    return gate_get(site=site, slug=slug)


def gate_replace(
    *, site: Site, slug: str, name: str, teaser: str, mode: str, requirements: Sequence[RequirementIn]
) -> Gate:
    """PUT: the gate becomes exactly what is given (its slug stays)."""
    gate_get(site=site, slug=slug)
    resolved = _resolve(requirements)
    with transaction.atomic():
        gate = Gate.objects.select_for_update().filter(site=site, slug=slug).first()
        if gate is None:
            raise NotFound(f"This site has no gate {slug!r}.")
        gate.name, gate.teaser, gate.mode = name, teaser, mode
        gate.save(update_fields=["name", "teaser", "mode", "updated_at"])
        gate.requirements.all().delete()
        _write_requirements(gate, resolved)
        _bump(site)
    return gate_get(site=site, slug=slug)


def gate_delete(*, site: Site, slug: str) -> None:
    with transaction.atomic():
        deleted, _ = Gate.objects.filter(site=site, slug=slug).delete()
        if not deleted:
            raise NotFound(f"This site has no gate {slug!r}.")
        _bump(site)
