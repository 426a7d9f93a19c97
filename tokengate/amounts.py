"""Human token amounts ("100.5") to raw integer units and back, exactly: strings and ints, no floats."""

from __future__ import annotations

import re

from .fields import UINT256_MAX

_AMOUNT = re.compile(r"([0-9]{1,80})(?:\.([0-9]{1,80}))?")


class AmountError(ValueError):
    """The text is not an amount this token can express; the message says why."""


def to_raw(text: str, decimals: int) -> int:
    """'100.5' with 6 decimals -> 100500000. Rejects signs, exponents, separators and more
    decimal places than the token has."""
    match = _AMOUNT.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise AmountError('give a plain decimal number such as "100" or "0.5"')
    whole, fraction = match.group(1), (match.group(2) or "").rstrip("0")
    if len(fraction) > decimals:
        places = f"{decimals} decimal place{'s' if decimals != 1 else ''}"
        raise AmountError(f"this token has {places}; {text.strip()!r} has more")
    scale: int = 10**decimals
    raw = int(whole) * scale + (int(fraction.ljust(decimals, "0")) if fraction else 0)
    if raw > UINT256_MAX:
        raise AmountError("the amount is larger than any token balance can be")
    return raw


def to_human(raw: int, decimals: int) -> str:
    """100500000 with 6 decimals -> '100.5'."""
    whole, fraction = divmod(raw, 10**decimals)
    text = str(fraction).rjust(decimals, "0").rstrip("0") if decimals else ""
    return f"{whole}.{text}" if text else str(whole)
