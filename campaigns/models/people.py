"""Players, follow events, admin tokens and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.models.base import Model


class Player(Model):
    """A follower as WeChat OAuth identified them; the openid never comes from the page."""

    __tablename__ = "player"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class FollowEvent(Model):
    """subscribe / unsubscribe / scan / menu entries, attributed to a campaign where known."""

    __tablename__ = "follow_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(16))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    scene: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_follow_event_campaign_created", "campaign_id", "created_at"),
        # Account-wide follows and unfollows in a campaign's window (the report's context).
        Index("ix_follow_event_event_created", "event", "created_at"),
    )


class ApiToken(Model):
    """An admin API bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # None: until revoked


class AuditEntry(Model):
    """A campaign's creation and every change to it once published: who, when, before, after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class PageViewBucket(Model):
    """Game page views per campaign and UTC hour (counted in Redis, flushed here by the sweep)."""

    __tablename__ = "page_view_bucket"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    views: Mapped[int] = mapped_column(default=0)


class Staff(Model):
    """A store's staff member who verifies codes from their own phone: a WeChat user (signed in
    by OAuth like players), bound once through a marketer's one-time QR code."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    bound_at: Mapped[datetime]
    invited_by: Mapped[str] = mapped_column(String(80))


class StaffInvite(Model):
    """A one-time "bind as staff" code: only its SHA-256 is stored, it lapses, and the first
    phone that opens it uses it up."""

    __tablename__ = "staff_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
