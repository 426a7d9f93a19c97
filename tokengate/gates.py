"""Gate evaluation: which of a site's gates a wallet satisfies.

This is the seam the holdings work fills in: today a site has no gates, so no wallet
satisfies any, and the decision carries the site's gate-set version for the `gsv` claim.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Site, Wallet


@dataclass(frozen=True)
class GateDecision:
    slugs: tuple[str, ...]
    gate_set_version: int


def evaluate_gates(*, site: Site, wallet: Wallet, live: bool) -> GateDecision:
    """Decide the gates `wallet` satisfies on `site`.

    `live` is True at login (read balances now) and False at refresh (recent stored
    holdings may be used).
    """
    return GateDecision(slugs=(), gate_set_version=site.gate_set_version)
