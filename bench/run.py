"""Run the benchmarks, print a table and write bench/results.json.

Usage: `make bench`, or `.venv/bin/python bench/run.py [MODULE ...]` to run some of them
(MODULE names as in BENCHMARKS). A missed target is printed as MISSED and does not change the
exit code; a benchmark that fails (wrong answers, errors) makes the exit code 1.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # import `bench.*` and `tokengate.*` from the project, not from bench/

from bench.figures import Figure, median_seconds  # noqa: E402

BENCHMARKS = ["siwe_verify", "logins", "sweep", "wordpress"]
RESULTS = ROOT / "bench" / "results.json"


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")


def reference_loop_ms() -> float:
    """Median time of a fixed pure-Python loop: how fast this machine's cores were at the start (lower = faster)."""

    def loop() -> int:
        return sum(i * i for i in range(1_000_000))

    return round(median_seconds(loop, 5) * 1000, 1)


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy the machine already was (1-minute load average)."""
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "reference_loop_ms": reference_loop_ms(),
    }


def table(figures: list[Figure]) -> str:
    """The figures as an aligned text table."""
    rows = [("figure", "value", "unit", "target", "baseline", "result")]
    for f in figures:
        result = "info" if f.target is None else ("ok" if f.ok else "MISSED")
        baseline = "" if f.baseline is None else f"{f.baseline:.3f}"
        rows.append((f.name, f"{f.value:.3f}", f.unit, f.target or "", baseline, result))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(names: list[str]) -> int:
    """Run the named benchmarks (all by default); returns the process exit code."""
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    host = machine()
    figures: list[Figure] = []
    failed: list[str] = []
    for name in names or BENCHMARKS:
        print(f"== {name}", flush=True)
        try:
            figures.extend(importlib.import_module(f"bench.{name}").run())
        except Exception:
            traceback.print_exc()
            print(f"FAILED: benchmark {name}", flush=True)
            failed.append(name)
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": host,
        "figures": [f.as_json() for f in figures],
        "failed": failed,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(figures))
    for f in figures:
        if f.note:
            print(f"  {f.name}: {f.note}")
    missed = [f.name for f in figures if not f.ok]
    print()
    print(f"MISSED: {', '.join(missed)}" if missed else "All targets met.")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    print(f"Wrote {RESULTS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
