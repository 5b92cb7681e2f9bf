"""One play, end to end: decided and recorded in Redis in one script call, answered from it.

The SQL ledger follows from the play streams (campaigns/ledger/writer.py)."""

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


@dataclass(frozen=True)
class PlayedWin:
    code: str
    slot: int


@dataclass(frozen=True)
class Played:
    """A play as the draw script decided and recorded it, answered without SQL.

    Same attribute names as ``Play`` (and ``win`` as ``Win``), so callers take either (a replay
    the Redis state no longer holds is read back from SQL). ``id`` is the play's sequence number
    in the campaign (the response's ``play_id``), which its ledger row carries as ``seq``."""

    campaign_id: int
    player_id: int
    seq: int
    idempotency_key: str
    outcome: str
    eligible: bool
    prize_id: int | None
    plays_left_today: int | None
    win: PlayedWin | None

    @property
    def id(self) -> int:
        return self.seq

    @classmethod
    def of(cls, campaign_id: int, decision) -> Played:
        won = bool(decision.prize_id) and not decision.void
        return cls(
            campaign_id=campaign_id,
            player_id=decision.player_id,
            seq=decision.seq,
            idempotency_key=decision.idempotency_key,
            outcome="void" if decision.void else ("win" if won else "lose"),
            eligible=decision.eligible,
            prize_id=decision.prize_id,
            plays_left_today=decision.plays_left_today,
            win=PlayedWin(decision.code, decision.slot) if won else None,
        )


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
    rate: tuple[int, int] | None = None,
) -> Played | Play:
    """Play once (or return the play an earlier request with the same key made).

    One call of the draw script decides the play, enforces the player's ``rate`` limit
    (requests, window in ms) and appends the play to its shard's stream, which the ledger
    writer copies into SQL (invariant 7): the answer needs no SQL. ``session`` is used only
    when Redis must be rebuilt from SQL, or for a replay whose play Redis no longer holds.

    ``follows`` is asked only for a ``require_follow`` campaign (its Redis cache first).
    ``eligible=False`` counts a play that cannot win (a failed quiz attempt)."""
    if campaign.require_follow:
        check_following(follows, player.openid)
    try:
        decision, _fresh = engine.decide_or_replay(
            session,
            campaign,
            player.id,
            idem_key,
            clock.now(),
            eligible,
            pseudonym=ledger.pseudonym(secret_key, campaign.id, player.openid),
            rate=rate,
        )
    except REDIS_DOWN as exc:
        raise DomainError(ErrorCode.UNAVAILABLE) from exc
    if decision.complete:
        return Played.of(campaign.id, decision)
    # A key marker rebuilt from SQL (after Redis lost its state): the play is in SQL.
    try:
        existing = ledger.find_by_key(session, campaign.id, player.id, decision.idempotency_key)
    except SQLAlchemyError as exc:
        session.rollback()
        raise DomainError(ErrorCode.UNAVAILABLE) from exc
    if existing is None:
        raise DomainError(ErrorCode.UNAVAILABLE)
    return existing
