"""A measured figure, its target, and the helpers that decide whether the target is met."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One number a benchmark reports. `target` reads like "<= 1" or ">= 150"; None is informational."""

    name: str
    value: float
    unit: str
    target: str | None = None
    ok: bool = True
    baseline: float | None = None
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The figure as stored in results.json (optional fields left out when empty)."""
        return {key: value for key, value in asdict(self).items() if value is not None or key == "target"}


def at_most(name: str, value: float, unit: str, limit: float, **extra: Any) -> Figure:
    """A figure whose target is an upper bound (lower is better)."""
    return Figure(name, value, unit, target=f"<= {limit:g}", ok=value <= limit, **extra)


def at_least(name: str, value: float, unit: str, limit: float, **extra: Any) -> Figure:
    """A figure whose target is a lower bound (higher is better)."""
    return Figure(name, value, unit, target=f">= {limit:g}", ok=value >= limit, **extra)


def info(name: str, value: float, unit: str, **extra: Any) -> Figure:
    """A figure reported for context, with no target."""
    return Figure(name, value, unit, **extra)


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """The median wall time of `repeats` calls of `run`, in seconds."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)
