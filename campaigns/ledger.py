"""Writing decided plays to the SQL ledger, and reading them back for replays.

A play (win or lose) is committed to SQL before its response leaves. If the commit fails, the
engine gives the stock and the player's count back and the player gets a 503. If the process dies
in between, the decision waits in Redis's in-flight hash and ``sweep`` writes it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from campaigns.draw.decision import Decision
from campaigns.errors import DomainError, ErrorCode
from campaigns.models import Play, Win

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, no 0/O/1/I
CODE_LENGTH = 16  # 80 bits


def new_redemption_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def pseudonym(secret_key: str, campaign_id: int, openid: str) -> str:
    """A keyed hash of the openid for the public play log: stable per campaign, not reversible."""
    message = f"{campaign_id}:{openid}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def _moment(decision: Decision) -> datetime:
    return datetime.fromtimestamp(decision.at_ms / 1000, UTC).replace(tzinfo=None)


def build_play(campaign_id: int, decision: Decision, player_pseudonym: str) -> Play:
    outcome = "void" if decision.void else ("win" if decision.prize_id else "lose")
    play = Play(
        campaign_id=campaign_id,
        player_id=decision.player_id,
        seq=decision.seq,
        idempotency_key=decision.idempotency_key,
        created_at=_moment(decision),
        day=decision.day,
        player_seq=decision.player_seq,
        day_seq=decision.day_seq,
        outcome=outcome,
        eligible=decision.eligible,
        prize_id=decision.prize_id,
        uniform=decision.uniform,
        stock_before=decision.stock_before,
        pseudonym=player_pseudonym,
        plays_left_today=decision.plays_left_today,
    )
    play.win = None  # known: no lazy SELECT when the response asks for it
    if outcome == "win":
        play.win = Win(
            campaign_id=campaign_id,
            prize_id=decision.prize_id,
            player_id=decision.player_id,
            slot=decision.slot,
            player_win_no=decision.player_win_no,
            code=new_redemption_code(),
            created_at=play.created_at,
        )
    return play


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


class LedgerConflict(Exception):
    """SQL refused the row: a number was already used (Redis behind SQL) or the key was."""

    def __init__(self, existing: Play | None):
        self.existing = existing


def record(session, campaign_id: int, decision: Decision, player_pseudonym: str) -> Play:
    """Commit one decided play. Returns the stored play, whoever wrote it.

    Raises ``LedgerConflict`` when SQL holds a different play under one of the decision's unique
    numbers, and ``DomainError(unavailable)`` when the database cannot be written.
    """
    try:
        play = build_play(campaign_id, decision, player_pseudonym)
        session.add(play)
        session.commit()
        return play
    except IntegrityError:
        session.rollback()
        same = find_play(session, campaign_id, decision.seq)
        if (
            same is not None
            and same.player_id == decision.player_id
            and (same.idempotency_key == decision.idempotency_key)
        ):
            return same  # a concurrent replay of the same decision got there first
        raise LedgerConflict(
            find_by_key(session, campaign_id, decision.player_id, decision.idempotency_key)
        ) from None
    except SQLAlchemyError as exc:
        session.rollback()
        raise DomainError(
            ErrorCode.UNAVAILABLE, "The ledger is unavailable; please retry."
        ) from exc
