"""Tokens: metadata read on chain when first referenced, then kept in the Token table."""

from __future__ import annotations

import dataclasses

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..chain import abi, erc20
from ..errors import DecimalsUnknown, InvalidRequest
from ..models import Token
from .chains import chain_get


def normalise_address(address: str, *, field: str = "address") -> str:
    """EIP-55 form of an address; lowercase is accepted, a wrong mixed-case checksum is not."""
    try:
        return abi.checksum(address)
    except ValueError as exc:
        raise InvalidRequest(f"{field}: {exc}.", field=field) from None


LOOKUP_CACHE_SECONDS = 3600


def token_lookup(*, chain_id: int, address: str, field: str = "address") -> Token | erc20.TokenInfo:
    """The stored token, or its metadata read from the chain and kept in the cache for an hour
    (not in the table: a lookup as the admin types must not store every address tried)."""
    chain = chain_get(chain_id)
    checksummed = normalise_address(address, field=field)
    stored = Token.objects.filter(chain_id=chain_id, address=checksummed).first()
    if stored is not None:
        return stored
    key = f"tokengate:token:{chain_id}:{checksummed}"
    cached = cache.get(key)
    if isinstance(cached, dict):
        return erc20.TokenInfo(**cached)
    info = erc20.lookup(chain.client(), checksummed)
    cache.set(key, dataclasses.asdict(info), LOOKUP_CACHE_SECONDS)
    return info


def token_resolve(*, chain_id: int, address: str, decimals: int | None = None, field: str = "token") -> Token:
    """The Token for a gate requirement: the stored row, or a new one read from the chain and
    not yet saved (`token_store` saves it, in the transaction that uses it, so a refused gate
    stores nothing).

    `decimals` is required for a token without decimals() and must agree with the chain's
    value when the token has one.
    """
    info = token_lookup(chain_id=chain_id, address=address, field=f"{field}.token_address")
    if isinstance(info, Token):
        _check_decimals(info.decimals, decimals, info.decimals_source == "chain", field)
        return info
    checksummed = info.address
    if info.decimals is None and decimals is None:
        raise DecimalsUnknown(
            f"{info.symbol or checksummed} has no decimals(); give its decimals explicitly.", field=f"{field}.decimals"
        )
    if info.decimals is not None:
        _check_decimals(info.decimals, decimals, True, field)
    resolved = info.decimals if info.decimals is not None else decimals
    assert resolved is not None
    return Token(
        chain_id=chain_id,
        address=checksummed,
        name=info.name,
        symbol=info.symbol,
        decimals=resolved,
        decimals_source="chain" if info.decimals is not None else "admin",
        looked_up_at=timezone.now(),
    )


def token_store(token: Token) -> Token:
    """Save a token from `token_resolve` if it is new; the stored row if another request won."""
    if token.pk is not None:
        return token
    try:
        with transaction.atomic():
            token.save()
            return token
    except IntegrityError:  # a concurrent request stored it first
        return Token.objects.get(chain_id=token.chain_id, address=token.address)


def _check_decimals(actual: int, given: int | None, from_chain: bool, field: str) -> None:
    if given is not None and given != actual:
        source = "the token's decimals()" if from_chain else "the decimals stored for this token"
        raise InvalidRequest(f"{field}.decimals: {source} is {actual}, not {given}.", field=f"{field}.decimals")
