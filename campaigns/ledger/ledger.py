"""Writing decided plays to the SQL ledger, and reading them back for replays.

A play (win or lose) is committed to SQL before its response leaves. If the commit fails, the
engine gives the stock and the player's count back and the player gets a 503. If the process dies
in between, the decision waits in Redis's in-flight hash and ``sweep`` writes it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.draw.decision import Decision
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


@dataclass(frozen=True)
class RecordedWin:
    id: int
    code: str
    slot: int


@dataclass(frozen=True)
class Recorded:
    """A play as ``record`` wrote it: the fields its callers read, without an ORM object.

    Same attribute names as ``Play`` (and ``win`` as ``Win``), so callers take either: a replay
    reads the stored ``Play`` back, a fresh play gets this."""

    id: int
    campaign_id: int
    player_id: int
    seq: int
    idempotency_key: str
    outcome: str
    eligible: bool
    prize_id: int | None
    plays_left_today: int | None
    win: RecordedWin | None


# Core statements on the mapped tables (same columns, defaults and unique constraints as the
# ORM), built once: a play is one short transaction of one or two INSERTs, without the unit of
# work's bookkeeping, so concurrent writers hold SQLite's write lock only briefly.
_INSERT_PLAY = insert(Play.__table__).returning(Play.__table__.c.id)
_INSERT_WIN = insert(Win.__table__).returning(Win.__table__.c.id)


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


def record(session, campaign_id: int, decision: Decision, player_pseudonym: str) -> Recorded:
    """Commit one decided play (and its win) in the session's transaction. Returns the stored
    play, whoever wrote it: a ``Recorded``, or the ``Play`` a concurrent replay wrote first.

    Raises ``LedgerConflict`` when SQL holds a different play under one of the decision's unique
    numbers, and ``DomainError(unavailable)`` when the database cannot be written.
    """
    outcome = "void" if decision.void else ("win" if decision.prize_id else "lose")
    created_at = _moment(decision)
    try:
        connection = session.connection()
        play_id = connection.execute(
            _INSERT_PLAY,
            {
                "campaign_id": campaign_id,
                "player_id": decision.player_id,
                "seq": decision.seq,
                "idempotency_key": decision.idempotency_key,
                "created_at": created_at,
                "day": decision.day,
                "player_seq": decision.player_seq,
                "day_seq": decision.day_seq,
                "outcome": outcome,
                "eligible": decision.eligible,
                "prize_id": decision.prize_id,
                "uniform": decision.uniform,
                "stock_before": decision.stock_before,
                "pseudonym": player_pseudonym,
                "plays_left_today": decision.plays_left_today,
            },
        ).scalar_one()
        win = None
        if outcome == "win":
            code = new_redemption_code()
            win_id = connection.execute(
                _INSERT_WIN,
                {
                    "play_id": play_id,
                    "campaign_id": campaign_id,
                    "prize_id": decision.prize_id,
                    "player_id": decision.player_id,
                    "slot": decision.slot,
                    "player_win_no": decision.player_win_no,
                    "code": code,
                    "created_at": created_at,
                },
            ).scalar_one()
            win = RecordedWin(id=win_id, code=code, slot=decision.slot)
        session.commit()
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
    return Recorded(
        id=play_id,
        campaign_id=campaign_id,
        player_id=decision.player_id,
        seq=decision.seq,
        idempotency_key=decision.idempotency_key,
        outcome=outcome,
        eligible=decision.eligible,
        prize_id=decision.prize_id,
        plays_left_today=decision.plays_left_today,
        win=win,
    )
