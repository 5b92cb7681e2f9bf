"""The SQL ledger of plays and wins.

Redis decides plays fast; these tables are the truth it is rebuilt from. Their unique constraints
are a second line of defence: even if Redis lost state and handed out a number twice, SQL refuses
the second row, so no prize slot, player play number or idempotency key can be used twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.models.base import Model


class Play(Model):
    __tablename__ = "play"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    # None only for a "lost" entry: a number a crash consumed before anyone could record it.
    player_id: Mapped[int | None] = mapped_column(ForeignKey("player.id"))
    # The sequence number, assigned atomically with the draw, no gaps: 1, 2, 3, ... or, in a
    # campaign of N shards (campaigns/draw/keys.py), k+1, k+1+N, ... for shard k.
    seq: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # The play's day in the campaign's time zone (YYYY-MM-DD), for daily limits and reports.
    day: Mapped[str] = mapped_column(String(10))
    # This player's play number in the campaign and on that day (monotonic; voids keep theirs).
    player_seq: Mapped[int]
    day_seq: Mapped[int]
    # "win", "lose", "void" (decided, then withdrawn because the ledger write failed) or "lost"
    # (a number consumed by a crash, never decided to anyone; filled in so the log has no gap).
    outcome: Mapped[str] = mapped_column(String(5))
    # False when the play counted but could not win (a failed quiz attempt).
    eligible: Mapped[bool] = mapped_column(default=True)
    prize_id: Mapped[int | None] = mapped_column(ForeignKey("prize.id"))
    # The 48-bit uniform number the draw used, and each prize's [awarded, stock] before it.
    uniform: Mapped[int] = mapped_column(BigInteger)
    stock_before: Mapped[dict] = mapped_column(JSON)
    pseudonym: Mapped[str] = mapped_column(String(64))
    plays_left_today: Mapped[int | None]
    # The public hash chain: filled in seq order by campaigns/ledger/chain.py, shortly after the
    # play.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))

    win: Mapped[Win | None] = relationship(back_populates="play", uselist=False)

    @classmethod
    def of_shard(cls, shard: int, shards: int):
        """SQL condition: the plays that shard ``shard`` of ``shards`` numbered."""
        return (cls.seq - 1) % shards == shard

    __table_args__ = (
        UniqueConstraint("campaign_id", "seq"),
        UniqueConstraint("campaign_id", "player_id", "idempotency_key"),
        UniqueConstraint("campaign_id", "player_id", "player_seq"),
        UniqueConstraint("campaign_id", "player_id", "day", "day_seq"),
        # Reports (campaigns/reports/reports.py) read these covering indexes alone: by day, by hour
        # of day, and distinct players in player order (no temporary sort of a million rows).
        Index(
            "ix_play_campaign_day_player", "campaign_id", "day", "player_id", "outcome", "eligible"
        ),
        Index(
            "ix_play_campaign_created_player", "campaign_id", "created_at", "player_id", "outcome"
        ),
        Index("ix_play_campaign_player", "campaign_id", "player_id", "outcome", "day"),
    )


class NoticeStatus:
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; see campaigns/wechat/notices.py
    SENT = "sent"
    FAILED = "failed"


class Win(Model):
    __tablename__ = "win"

    id: Mapped[int] = mapped_column(primary_key=True)
    play_id: Mapped[int] = mapped_column(ForeignKey("play.id"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    prize_id: Mapped[int] = mapped_column(ForeignKey("prize.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"))
    # Slot n of the prize's stock (1..stock): unique per prize, so SQL itself caps wins at stock.
    slot: Mapped[int]
    player_win_no: Mapped[int]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    redeemed_by: Mapped[str | None] = mapped_column(String(80))
    # Set by the expiry job (campaigns/prizes/expiry.py) once the prize's claim_days ran out
    # before the win was claimed (goods) or redeemed (code).
    expired_at: Mapped[datetime | None]
    notice_status: Mapped[str] = mapped_column(String(40), default=NoticeStatus.PENDING)
    notice_attempts: Mapped[int] = mapped_column(default=0)
    notice_sent_at: Mapped[datetime | None]
    # WeChat's msgid of the template message, matched by its delivery report.
    notice_msgid: Mapped[str | None] = mapped_column(String(32), index=True)

    play: Mapped[Play] = relationship(back_populates="win")
    prize = relationship("Prize")
    player = relationship("Player")

    __table_args__ = (
        UniqueConstraint("prize_id", "slot"),
        UniqueConstraint("campaign_id", "player_id", "player_win_no"),
        Index("ix_win_campaign_prize", "campaign_id", "prize_id", "redeemed_at"),
        Index("ix_win_notice_status", "notice_status"),  # the notice sweep
    )
