"""Admin API tokens: made by the CLI, shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from campaigns.core.clock import utc_naive
from campaigns.models import ApiToken

ROLES = ("marketer", "analyst")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session, role: str, label: str, now) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(token_hash=_digest(token), role=role, label=label, created_at=utc_naive(now))
    )
    session.commit()
    return token


def find_token(session, token: str) -> ApiToken | None:
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if found is None or found.revoked_at is not None:
        return None
    return found


def revoke_token(session, token_id: int, now) -> bool:
    found = session.get(ApiToken, token_id)
    if found is None:
        return False
    found.revoked_at = utc_naive(now)
    session.commit()
    return True
