"""Deleting rows that can no longer matter: used or expired nonces, ended sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from ..models import Nonce, RefreshSession

# Ended sessions are kept a while so a reuse attempt still meets `refresh_reused`/`refresh_invalid`
# with a row behind it and the admin can see recent logouts.
SESSION_GRACE = timedelta(days=7)


@dataclass(frozen=True)
class Purged:
    nonces: int
    sessions: int


def purge_expired(*, now: datetime | None = None) -> Purged:
    now = now or timezone.now()
    nonces, _ = Nonce.objects.filter(Q(expires_at__lt=now) | Q(used_at__isnull=False)).delete()
    sessions, _ = RefreshSession.objects.filter(
        Q(expires_at__lt=now - SESSION_GRACE) | Q(revoked_at__lt=now - SESSION_GRACE)
    ).delete()
    return Purged(nonces=nonces, sessions=sessions)
