"""Gates as rules, and the decision which of them a set of balances satisfies.

Pure: the rules are read from the database once per login or refresh, the balances come
from tokengate.services.holdings, and `decide` only compares integers. An unknown balance
(None) satisfies nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .models import Gate, Site, Token


@dataclass(frozen=True)
class Requirement:
    token_id: int
    minimum: int  # raw units


@dataclass(frozen=True)
class GateRule:
    slug: str
    mode: str  # Gate.ALL | Gate.ANY
    requirements: tuple[Requirement, ...]

    def satisfied_by(self, balances: Mapping[int, int | None]) -> bool:
        met = [(balance := balances.get(r.token_id)) is not None and balance >= r.minimum for r in self.requirements]
        if not met:
            return False  # a gate without requirements opens for nobody
        return all(met) if self.mode == Gate.ALL else any(met)


@dataclass(frozen=True)
class GateDecision:
    slugs: tuple[str, ...]
    gate_set_version: int


# Per process: (site public id, gate-set version) -> rules. Every change to a site's gates bumps its
# version (API, admin), and the Site row is read afresh on every request, so an entry is never
# stale; it saves three queries per login and refresh.
_RULES_CACHE: dict[tuple[str, int], tuple[list[GateRule], list[Token]]] = {}
_RULES_CACHE_SIZE = 1024


def site_rules(site: Site) -> tuple[list[GateRule], list[Token]]:
    """The site's gates as rules, and every token they need a balance of."""
    key = (site.public_id, site.gate_set_version)  # the random public id: pks can be reused
    cached = _RULES_CACHE.get(key)
    if cached is None:
        cached = _load_rules(site)
        if len(_RULES_CACHE) >= _RULES_CACHE_SIZE:
            _RULES_CACHE.clear()
        _RULES_CACHE[key] = cached
    return list(cached[0]), list(cached[1])


def _load_rules(site: Site) -> tuple[list[GateRule], list[Token]]:
    gates = Gate.objects.filter(site=site).prefetch_related("requirements__token").order_by("slug")
    rules: list[GateRule] = []
    tokens: dict[int, Token] = {}
    for gate in gates:
        requirements = []
        for requirement in gate.requirements.all():
            tokens[requirement.token_id] = requirement.token
            requirements.append(Requirement(requirement.token_id, int(requirement.minimum)))
        rules.append(GateRule(gate.slug, gate.mode, tuple(requirements)))
    return rules, list(tokens.values())


def decide(rules: list[GateRule], balances: Mapping[int, int | None]) -> tuple[str, ...]:
    """The slugs of the gates `balances` (token id -> raw balance, None if unknown) satisfy."""
    return tuple(rule.slug for rule in rules if rule.satisfied_by(balances))
