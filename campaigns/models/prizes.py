"""What happens to a win after the draw, by the prize's kind (campaigns/prizes/): a goods win's
claim (the winner's name, phone and address, sealed; the courier's tracking number) and a cash
win's payout through WeChat Pay."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.models.base import Model


class Claim(Model):
    """A goods win's delivery details. ``sealed`` holds the personal fields as AES-GCM
    ciphertext (campaigns/prizes/sealing.py), never in clear; it is emptied (``purged_at``) a
    set number of days after the campaign ends."""

    __tablename__ = "claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    win_id: Mapped[int] = mapped_column(ForeignKey("win.id"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    sealed: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str | None] = mapped_column(String(16))  # which CLAIMS_KEY sealed it
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    shipped_at: Mapped[datetime | None]
    courier: Mapped[str | None] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    # The shipping notice to the winner: None (nothing to tell), "pending", "sending", "sent" or
    # "failed: <reason>" (campaigns/wechat/notices.py, send_shipping_notice).
    shipping_notice: Mapped[str | None] = mapped_column(String(40))
    # How it went: "subscribe" (a subscription notice) or "template" (to a follower).
    shipping_channel: Mapped[str | None] = mapped_column(String(10))
    purged_at: Mapped[datetime | None]

    win = relationship("Win")


class PayoutStatus:
    PENDING = "pending"  # to send (again, with the same bill number)
    SENDING = "sending"  # a job holds it; outcome not known yet
    PAID = "paid"
    FAILED = "failed"  # refused for good; the marketer may retry it


class Payout(Model):
    """A cash win's red packet. ``bill_no`` is derived from the win (campaigns/prizes/cash.py), so
    every retry asks WeChat Pay for the same bill and a win is never paid twice."""

    __tablename__ = "payout"

    id: Mapped[int] = mapped_column(primary_key=True)
    win_id: Mapped[int] = mapped_column(ForeignKey("win.id"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    bill_no: Mapped[str] = mapped_column(String(32), unique=True)
    amount_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=PayoutStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]

    win = relationship("Win")

    __table_args__ = (Index("ix_payout_status", "status"),)
