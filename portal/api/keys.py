"""API keys: creation (the full key is returned once), lookup and revocation.

A key reads `fbk_<prefix>_<secret>`. The prefix finds the row (it is stored and shown in
the list); the whole key is compared, as a SHA-256 hash, in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clients.models import Agency, Client
from portal.models import ApiKey, User

KEY_PREFIX = "fbk"
# last_used_at is written at most this often per key: not one write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyError(Exception):
    """A refusal with a message meant for the admin who acted."""


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    token: str  # the full key: shown once, never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(token: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def api_key_create(
    *, agency: Agency, by: User, name: str, client: Client | None, read_only: bool
) -> NewKey:
    name = (name or "").strip()
    if not name:
        raise ApiKeyError("Name the key after what will use it, e.g. “Brandwatch”.")
    if client is not None and client.agency_id != agency.pk:
        raise ApiKeyError("That client is not one of your agency's.")
    for _attempt in range(5):
        prefix = secrets.token_hex(6)
        # token_hex keeps "_" out of the secret, so the key splits into three parts.
        token = f"{KEY_PREFIX}_{prefix}_{secrets.token_hex(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    agency=agency,
                    client=client,
                    name=name[:120],
                    read_only=read_only,
                    prefix=prefix,
                    secret_hash=hash_token(token),
                    created_by=by,
                )
        except IntegrityError:  # the prefix was taken: 48 random bits, very unlikely
            continue
        return NewKey(key=key, token=token)
    raise ApiKeyError("Could not create a key; try again.")  # pragma: no cover


def api_key_revoke(*, key: ApiKey, by: User) -> ApiKey:
    """Revoke a key (idempotent: a revoked key keeps its first revocation)."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    key.refresh_from_db()
    return key


def key_for_token(token: str) -> ApiKey | None:
    """The active key this token is, or None (unknown, malformed or revoked)."""
    prefix = _split(token)
    if prefix is None:
        return None
    key = next(
        iter(
            # The creator is read only by writes (whom they are recorded under).
            ApiKey.objects.select_related("agency")
            .filter(prefix=prefix, revoked_at__isnull=True)
            .order_by()[:1]
        ),
        None,
    )
    if key is None or not hmac.compare_digest(key.secret_hash, hash_token(token)):
        return None
    return key


def touch(key: ApiKey) -> None:
    """Record that the key was used, at most once a minute (a compare-and-set, so two
    requests at once write once)."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = now - LAST_USED_RESOLUTION
    ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=key.pk
    ).update(last_used_at=now)
    key.last_used_at = now
