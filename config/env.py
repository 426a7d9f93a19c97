"""Reading the environment for settings: typed getters that fail loudly on bad values."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_chains(spec: str) -> dict[int, tuple[str, ...]]:
    """Parse `CHAIN_ID=RPC_URL[|RPC_URL...]` entries separated by commas.

    >>> parse_chains("1=https://a|https://b,31337=http://127.0.0.1:8545")
    {1: ('https://a', 'https://b'), 31337: ('http://127.0.0.1:8545',)}
    """
    chains: dict[int, tuple[str, ...]] = {}
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        chain_part, sep, urls_part = entry.partition("=")
        if not sep or not re.fullmatch(r"[0-9]{1,18}", chain_part.strip()):
            raise ImproperlyConfigured(f"TOKENGATE_CHAINS entry {entry!r} must look like CHAIN_ID=RPC_URL[|RPC_URL...]")
        chain_id = int(chain_part)
        urls = tuple(url.strip() for url in urls_part.split("|") if url.strip())
        if chain_id <= 0 or not urls:
            raise ImproperlyConfigured(f"TOKENGATE_CHAINS entry {entry!r} needs a chain id > 0 and an RPC URL")
        for url in urls:
            if urlsplit(url).scheme not in {"http", "https"}:
                raise ImproperlyConfigured(f"TOKENGATE_CHAINS: RPC URL {url!r} must be http(s)")
        if chain_id in chains:
            raise ImproperlyConfigured(f"TOKENGATE_CHAINS lists chain {chain_id} twice")
        chains[chain_id] = urls
    return chains


def parse_rate(name: str, default: str) -> tuple[int, int]:
    """Parse a rate like `60/min` into (requests, window seconds)."""
    raw = env_str(name, default)
    match = re.fullmatch(r"\s*([0-9]+)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*", raw)
    if not match:
        raise ImproperlyConfigured(f"{name} must look like 60/min, got {raw!r}")
    window = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
    return int(match.group(1)), window[match.group(2)]
