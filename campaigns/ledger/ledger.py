"""The SQL ledger of plays and wins: the names, codes and look-ups its writers and readers share.

A play is decided and recorded in Redis in one step (the draw script appends it to its shard's
stream) and answered from there; ``writer.py`` copies the streams into these tables within
moments. SQL is the truth Redis is rebuilt from, and its unique constraints a second line of
defence (no sequence number, prize slot, play number or idempotency key used twice).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from sqlalchemy import select

from campaigns.draw.decision import Decision
from campaigns.draw.engine import CODE_ALPHABET, CODE_LENGTH, new_redemption_code
from campaigns.models import Play

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "find_by_key",
    "find_play",
    "moment",
    "new_redemption_code",
    "pseudonym",
]


def pseudonym(secret_key: str, campaign_id: int, openid: str) -> str:
    """A keyed hash of the openid for the public play log: stable per campaign, not reversible."""
    message = f"{campaign_id}:{openid}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def moment(decision: Decision) -> datetime:
    """The play's time as the ledger stores it (naive UTC)."""
    return datetime.fromtimestamp(decision.at_ms / 1000, UTC).replace(tzinfo=None)


def find_play(session, campaign_id: int, seq: int) -> Play | None:
    return session.scalar(select(Play).where(Play.campaign_id == campaign_id, Play.seq == seq))


def find_by_key(session, campaign_id: int, player_id: int, key: str) -> Play | None:
    return session.scalar(
        select(Play).where(
            Play.campaign_id == campaign_id,
            Play.player_id == player_id,
            Play.idempotency_key == key,
        )
    )
