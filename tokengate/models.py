"""The service's tables. Behaviour lives in tokengate.services; models only hold data."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q

from .fields import UInt256Field

MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11"  # the same on every chain that has it


def new_site_id() -> str:
    return f"site_{secrets.token_hex(8)}"


class Site(models.Model):
    """A WordPress site that uses the service; its public id is the tokens' `aud`."""

    public_id = models.CharField(max_length=40, unique=True, default=new_site_id, editable=False)
    name = models.CharField(max_length=200)
    # Host names (with an optional :port) that readers see in the SIWE message's domain line.
    domains = models.JSONField(default=list)
    api_key_id = models.CharField(max_length=32, unique=True, editable=False)
    # SHA-256 of the key's secret part; the key itself is shown once and never stored.
    api_key_hash = models.CharField(max_length=64, editable=False)
    gate_set_version = models.PositiveBigIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class Wallet(models.Model):
    address = models.CharField(max_length=42, unique=True)  # EIP-55
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.address


class Nonce(models.Model):
    """A SIWE nonce issued for one site; consumed at most once by a conditional UPDATE."""

    value = models.CharField(max_length=64, unique=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="nonces")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"nonce for {self.site_id} issued {self.issued_at:%Y-%m-%d %H:%M:%S}"


class RefreshSession(models.Model):
    """One refresh token of a login's family. Rotation marks it rotated and adds the next."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sessions")
    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="sessions")
    family = models.UUIDField(default=uuid.uuid4, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 hex
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"session {self.family} of {self.wallet_id} on {self.site_id}"


class SigningKey(models.Model):
    """An Ed25519 access-token signing key. The private half is sealed with AES-GCM."""

    ACTIVE = "active"
    RETIRED = "retired"

    kid = models.CharField(max_length=64, unique=True)
    public_key = models.BinaryField(max_length=32)
    sealed_private_key = models.BinaryField(editable=False)
    status = models.CharField(max_length=10, choices=[(ACTIVE, "active"), (RETIRED, "retired")], default=ACTIVE)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"), name="one_active_signing_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.status})"


class Chain(models.Model):
    """A chain configured in the admin. Chains from TOKENGATE_CHAINS need no row; a row with the
    same chain id overrides their name, RPC URLs (when given), multicall address or enables them."""

    chain_id = models.PositiveBigIntegerField(unique=True)
    name = models.CharField(max_length=100)
    rpc_urls = models.JSONField(default=list, blank=True, help_text="A JSON list of http(s) URLs, tried in order.")
    # Blank: the chain has no Multicall3; balances are read with JSON-RPC batches instead.
    multicall_address = models.CharField(max_length=42, blank=True, default=MULTICALL3_ADDRESS)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chain_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.chain_id})"


class Token(models.Model):
    """An ERC-20 contract on one chain, with the metadata read from it when first referenced."""

    ERC20 = "erc20"

    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42)  # EIP-55
    standard = models.CharField(max_length=16, default=ERC20)
    name = models.CharField(max_length=200, blank=True)
    symbol = models.CharField(max_length=64, blank=True)
    decimals = models.PositiveSmallIntegerField()
    # "chain" when read from decimals(); "admin" when the token has none and an admin gave it.
    decimals_source = models.CharField(max_length=8, default="chain")
    looked_up_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain_id", "address"], name="token_unique_per_chain")]

    def __str__(self) -> str:
        return f"{self.symbol or self.address} on {self.chain_id}"


class Gate(models.Model):
    """A site's access rule: hold the requirements (all of them, or any one)."""

    ALL = "all"
    ANY = "any"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="gates")
    slug = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    teaser = models.TextField(blank=True)
    mode = models.CharField(max_length=3, choices=[(ALL, "all"), (ANY, "any")], default=ALL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site_id", "slug"]
        constraints = [models.UniqueConstraint(fields=["site", "slug"], name="gate_slug_unique_per_site")]

    def __str__(self) -> str:
        return f"{self.slug} ({self.site_id})"


class GateRequirement(models.Model):
    """Hold at least `minimum` raw units of `token`."""

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="requirements")
    token = models.ForeignKey(Token, on_delete=models.PROTECT, related_name="requirements")
    minimum = UInt256Field()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["gate_id", "position"]

    def __str__(self) -> str:
        return f"{self.minimum} of {self.token}"


class Holding(models.Model):
    """The last balance read for a wallet and token. A failed read keeps the balance and marks
    the row stale; nothing writes a balance that was not read."""

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="holdings")
    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="holdings")
    balance = UInt256Field(null=True, blank=True)  # None: never read successfully
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)  # when `balance` was read
    attempted_at = models.DateTimeField()  # the last read, successful or not
    stale = models.BooleanField(default=False)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wallet", "token"], name="holding_unique_per_wallet_token")]

    def __str__(self) -> str:
        return f"{self.wallet_id} holds {self.balance} of {self.token_id}"
