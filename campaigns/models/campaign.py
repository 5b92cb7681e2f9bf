"""A campaign, its prize pool and its quiz question bank (the quiz's other settings are in
``Campaign.game_settings``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.core.clock import as_utc
from campaigns.models.base import Model


class Status(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class PrizeKind(StrEnum):
    """How a prize reaches its winner (campaigns/prizes/kinds.py holds each kind's rules)."""

    CODE = "code"  # a redemption code shown at a counter
    GOODS = "goods"  # shipped: the winner claims it with name, phone and address
    CASH = "cash"  # paid through WeChat Pay (a red packet of amount_fen)


class Pacing(StrEnum):
    NONE = "none"
    EVEN = "even"


class Campaign(Model):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    game: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=Status.DRAFT.value)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # When a marketer ended it (status "ended"); before ends_at for a campaign ended early.
    ended_at: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    rules: Mapped[str] = mapped_column(Text, default="")
    keyword: Mapped[str | None] = mapped_column(String(32))
    # The language the account speaks to this campaign's players in (winner notices, replies
    # about it): "zh" or "en". The pages follow each reader's Accept-Language instead.
    language: Mapped[str] = mapped_column(
        String(8), default=Language.ZH.value, server_default=Language.ZH.value
    )
    plays_per_user_per_day: Mapped[int | None]
    plays_per_user_total: Mapped[int | None]
    wins_per_user_total: Mapped[int | None]  # None: no limit (the API defaults it to 1)
    require_follow: Mapped[bool] = mapped_column(default=False)
    # The game page lists the latest wins (masked), campaigns/prizes/winners.py.
    show_winners: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The game's own settings (the quiz's pass score, ...), each checked by the game's schema
    # (its ``settings``, games/base.py); the domain stores them and never reads inside.
    game_settings: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    look: Mapped[dict] = mapped_column(JSON, default=dict)
    # Hot campaigns spread their players and stock over this many Redis hash tags (cluster
    # nodes); see campaigns/draw/keys.py. Fixed once the campaign is published.
    shards: Mapped[int] = mapped_column(default=1, server_default="1")
    # Verifiable draws: the seed is drawn when the campaign first goes live and never changes;
    # only its SHA-256 (the commitment) is published until the campaign ends.
    seed: Mapped[str | None] = mapped_column(String(64))
    seed_commitment: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    prizes: Mapped[list[Prize]] = relationship(
        back_populates="campaign", order_by="Prize.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="campaign", order_by="Question.position", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="window"),)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def starts_utc(self) -> datetime:
        return as_utc(self.starts_at)

    @property
    def ends_utc(self) -> datetime:
        return as_utc(self.ends_at)


class Prize(Model):
    __tablename__ = "prize"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(80))
    stock: Mapped[int]
    probability: Mapped[float]
    pacing: Mapped[str] = mapped_column(String(8), default=Pacing.NONE.value)
    image_url: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(
        String(8), default=PrizeKind.CODE.value, server_default=PrizeKind.CODE.value
    )
    # A cash prize's amount in fen (1/100 yuan); None for the other kinds.
    amount_fen: Mapped[int | None]
    # Days a win has to be claimed (goods) or redeemed (code) before it expires; None: no limit.
    claim_days: Mapped[int | None]

    campaign: Mapped[Campaign] = relationship(back_populates="prizes")

    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability_range"),
    )


class Question(Model):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(500))
    options: Mapped[list] = mapped_column(JSON)
    answer: Mapped[int]

    campaign: Mapped[Campaign] = relationship(back_populates="questions")
