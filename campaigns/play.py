"""One play, end to end: decide in Redis, commit to the SQL ledger, or undo and say 503."""

from __future__ import annotations

import time
from dataclasses import dataclass, make_dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.draw.engine import REDIS_DOWN, Engine
from campaigns.ledger import ledger
from campaigns.models import Campaign, Play, settings
from campaigns.wechat import notices
from campaigns.wechat.followers import FollowStatus


@dataclass(frozen=True)
class PlayerRef:
    """The player as the server-side session names them (never the request)."""

    id: int
    openid: str


# Ids are 32-bit integers in PostgreSQL; a larger id in a URL is unknown, not a database error.
MAX_ID = 2**31 - 1


def _unknown_campaign() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "No such campaign.", {"campaign_id": "unknown id"})


def load_campaign(session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id) if 1 <= campaign_id <= MAX_ID else None
    if campaign is None:
        raise _unknown_campaign()
    return campaign


def load_published_campaign(session, campaign_id: int) -> Campaign:
    """What the player pages serve: a draft's rules, prizes and QR code are the marketer's
    work in progress, so to the public a draft does not exist (the same 404 as an unknown id)."""
    campaign = load_campaign(session, campaign_id)
    if campaign.status == "draft":
        raise _unknown_campaign()
    return campaign


@dataclass(frozen=True)
class PrizeSnapshot:
    id: int
    name: str
    image_url: str | None
    stock: int
    probability: float
    pacing: str


@dataclass(frozen=True)
class _CampaignSnapshotBase:
    """What the play path reads of a campaign (the engine, the game's response), copied out of
    the ORM once: shared by a process's threads without a session, never written back. The
    settings it carries are those ``settings.PLAYED`` names (see ``CampaignSnapshot``)."""

    id: int
    game: str
    status: str
    seed: str
    ends_at: datetime
    starts_utc: datetime
    ends_utc: datetime
    zone: ZoneInfo
    prizes: tuple[PrizeSnapshot, ...]
    shards: int
    game_settings: dict

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignSnapshot:
        return cls(
            id=campaign.id,
            game=campaign.game,
            status=campaign.status,
            seed=campaign.seed,
            ends_at=campaign.ends_at,
            starts_utc=campaign.starts_utc,
            ends_utc=campaign.ends_utc,
            zone=campaign.zone,
            prizes=tuple(
                PrizeSnapshot(p.id, p.name, p.image_url, p.stock, p.probability, p.pacing)
                for p in campaign.prizes
            ),
            shards=campaign.shards,
            game_settings=dict(campaign.game_settings or {}),
            **{name: getattr(campaign, name) for name in settings.PLAYED},
        )


# The snapshot's settings come from the one list of settings, so a new limit reaches it there.
CampaignSnapshot = make_dataclass(
    "CampaignSnapshot",
    [(name, object) for name in settings.PLAYED],
    bases=(_CampaignSnapshotBase,),
    frozen=True,
)


# The player path reads a campaign (and its prizes) on every play; a second-old snapshot per
# process saves two SELECTs. Staleness is harmless there: status, window, limits and stock are
# decided in Redis, and the admin paths always read SQL (load_campaign).
SNAPSHOT_SECONDS = 1.0


def load_campaign_for_play(
    session, campaign_id: int, snapshots: dict
) -> CampaignSnapshot | Campaign:
    """``snapshots`` is the app's own dict (``app.extensions["campaign_snapshots"]``).

    A campaign without a seed (never live) is returned as the ORM object and not kept: the
    engine reloads the seed into it should the campaign go live meanwhile."""
    held = snapshots.get(campaign_id)
    if held is not None and held[0] > time.monotonic():
        return held[1]
    if not 1 <= campaign_id <= MAX_ID:
        raise _unknown_campaign()
    campaign = session.scalar(
        select(Campaign).options(selectinload(Campaign.prizes)).where(Campaign.id == campaign_id)
    )
    if campaign is None:
        raise _unknown_campaign()
    if not campaign.seed:
        return campaign
    snapshot = CampaignSnapshot.of(campaign)
    snapshots[campaign_id] = (time.monotonic() + SNAPSHOT_SECONDS, snapshot)
    return snapshot


def check_following(follows: FollowStatus, openid: str) -> None:
    """Refuse a player who does not follow the account; 503 when WeChat cannot say now (a
    follower must never be told to follow because WeChat was slow)."""
    following = follows.of(openid)
    if following is None:
        raise DomainError(
            ErrorCode.UNAVAILABLE,
            "WeChat cannot say right now whether you follow the account; please retry.",
        )
    if not following:
        raise DomainError(ErrorCode.NOT_FOLLOWING)


def play(
    session,
    engine: Engine,
    clock,
    campaign: Campaign | CampaignSnapshot,
    player: PlayerRef,
    idem_key: str,
    secret_key: str,
    follows: FollowStatus,
    eligible: bool = True,
) -> Play | ledger.Recorded:
    """Play once (or return the play an earlier request with the same key made).

    ``follows`` is asked only for a ``require_follow`` campaign. ``eligible=False`` counts a
    play that cannot win (a failed quiz attempt)."""
    if campaign.require_follow:
        check_following(follows, player.openid)
    try:
        decision, fresh = engine.decide_or_replay(
            session, campaign, player.id, idem_key, clock.now(), eligible
        )
    except REDIS_DOWN as exc:
        raise DomainError(ErrorCode.UNAVAILABLE) from exc
    try:
        stored = _store(session, engine, campaign, player, decision, fresh, secret_key)
    except (DomainError, SQLAlchemyError) as exc:
        session.rollback()
        if fresh:
            _undo(engine, campaign.id, decision)
        if isinstance(exc, DomainError):
            raise
        raise DomainError(
            ErrorCode.UNAVAILABLE, "The ledger is unavailable; please retry."
        ) from exc
    if fresh and stored.outcome == "win":
        notices.notify_win(stored.win.id)  # the win is committed: one notice job (notices.py)
    return stored


def _store(
    session,
    engine: Engine,
    campaign: Campaign | CampaignSnapshot,
    player: PlayerRef,
    decision,
    fresh: bool,
    secret_key: str,
) -> Play | ledger.Recorded:
    """Write a fresh decision; for a replayed one, find it in the ledger (or finish writing it)."""
    stored = None if fresh else ledger.find_play(session, campaign.id, decision.seq)
    if (
        stored is not None
        and stored.player_id == player.id
        and stored.idempotency_key == decision.idempotency_key
    ):
        return stored  # a replay of a play already in the ledger
    if not decision.complete:
        # A key marker rebuilt from SQL whose row is not the player's: ask SQL by key instead.
        existing = ledger.find_by_key(session, campaign.id, player.id, decision.idempotency_key)
        if existing is None:
            raise DomainError(ErrorCode.UNAVAILABLE)
        return existing
    name = ledger.pseudonym(secret_key, campaign.id, player.openid)
    try:
        return ledger.record(session, campaign.id, decision, name)
    except ledger.LedgerConflict as conflict:
        if conflict.existing is not None:
            _undo(engine, campaign.id, decision)
            return conflict.existing  # the key was used before Redis lost it
        engine.force_rebuild(campaign.id, decision)
        raise DomainError(ErrorCode.UNAVAILABLE) from None


def _undo(engine: Engine, campaign_id: int, decision) -> None:
    try:
        engine.give_back(campaign_id, decision)
    except REDIS_DOWN:
        pass  # left in flight: the sweeper will record it as decided
