"""Admin API tokens: made by the CLI, shown once, stored as SHA-256, revocable, and optionally
expiring (a token handed to an agency for one campaign should not outlive it)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select

from campaigns.core.clock import as_utc, utc_naive
from campaigns.models import ApiToken

ROLES = ("marketer", "analyst")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session, role: str, label: str, now, expires_at: datetime | None = None) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            token_hash=_digest(token),
            role=role,
            label=label,
            created_at=utc_naive(now),
            expires_at=utc_naive(expires_at) if expires_at else None,
        )
    )
    session.commit()
    return token


def is_usable(found: ApiToken, now) -> bool:
    if found.revoked_at is not None:
        return False
    return found.expires_at is None or as_utc(now) < as_utc(found.expires_at)


def find_token(session, token: str, now) -> ApiToken | None:
    """The token's row if it is neither revoked nor expired at ``now``."""
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if found is None or not is_usable(found, now):
        return None
    return found


def list_tokens(session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(session, token_id: int, now) -> bool:
    found = session.get(ApiToken, token_id)
    if found is None:
        return False
    found.revoked_at = utc_naive(now)
    session.commit()
    return True
