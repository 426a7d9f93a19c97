"""The service's tables. Behaviour lives in tokengate.services; models only hold data."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q


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
