"""What the account may send to whom, beyond a win's own notice: a player's consent to
subscription notices (订阅通知, which reach non-followers too) and the claim reminders sent.

Consent is per (openid, template id) as WeChat keeps it: given in the win screen's
``wx-open-subscribe`` popup, withdrawn by a reject or by the player turning the notices off in
WeChat (``subscribe_msg_change_event``), or found withdrawn when ``bizsend`` answers 43101."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.models.base import Model


class ConsentStatus:
    ACCEPT = "accept"
    REJECT = "reject"


class NoticeConsent(Model):
    __tablename__ = "notice_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(8))  # ConsentStatus
    # How we learned it: "popup" (the win screen), "change" (turned off in WeChat), "refused"
    # (bizsend answered 43101: withdrawn without the change event reaching us).
    source: Mapped[str] = mapped_column(String(8))
    # The event's CreateTime (or the refusal's moment): an older event never overwrites a newer.
    changed_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("openid", "template_id"),)


class ReminderStatus:
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; never sent a second time
    SENT = "sent"


class ClaimReminder(Model):
    """One reminder per win, at most (the unique win id is the job's key): "claim your prize
    before its deadline". ``status`` is pending, sending, sent or "failed: <reason>";
    ``channel`` says how it went: "subscribe" (bizsend) or "template" (to a follower)."""

    __tablename__ = "claim_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    win_id: Mapped[int] = mapped_column(ForeignKey("win.id"), unique=True)
    status: Mapped[str] = mapped_column(String(40), default=ReminderStatus.PENDING)
    channel: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    win = relationship("Win")
