"""Staff who verify codes from their own phones.

A marketer invites a staff member by name; the console shows a one-time "bind as staff" QR code
(``invite``). The staff member scans it in WeChat, is signed in by OAuth like a player, and the
invite binds that openid as staff (``bind``: the first phone uses it up; it lapses after
``INVITE_TTL``). The desk page then looks codes up and redeems them, each redemption naming the
staff member (``actor``). A marketer can revoke a staff member.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from campaigns.core.clock import utc_naive
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.models import Staff, StaffInvite

INVITE_TTL = timedelta(minutes=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(session, name: str, actor: str, now: datetime) -> str:
    """A new one-time bind token for a staff member called ``name`` (returned once, raw)."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 40:
        raise DomainError(
            ErrorCode.VALIDATION, "Some fields are invalid.", {"name": ["1 to 40 characters."]}
        )
    token = secrets.token_urlsafe(24)
    session.add(
        StaffInvite(
            token_hash=_hash(token),
            name=name,
            created_by=actor[:80],
            created_at=utc_naive(now),
            expires_at=utc_naive(now + INVITE_TTL),
        )
    )
    session.commit()
    return token


def bind(session, token: str, openid: str, now: datetime) -> Staff:
    """Use the invite up and make ``openid`` staff under its name (again, if it was revoked)."""
    invite_row = session.scalar(
        select(StaffInvite).where(StaffInvite.token_hash == _hash(token or ""))
    )
    used = (
        invite_row is not None
        and session.execute(
            update(StaffInvite)
            .where(
                StaffInvite.id == invite_row.id,
                StaffInvite.used_at.is_(None),
                StaffInvite.expires_at > utc_naive(now),
            )
            .values(used_at=utc_naive(now))
        ).rowcount
    )
    if not used:
        session.rollback()
        raise DomainError(
            ErrorCode.NOT_FOUND,
            "This staff code is unknown, used or expired; ask for a new one.",
            {"token": ["Unknown, used or expired."]},
        )
    staff = session.scalar(select(Staff).where(Staff.openid == openid))
    if staff is None:
        staff = Staff(openid=openid, name=invite_row.name, bound_at=utc_naive(now))
        session.add(staff)
    staff.name, staff.active, staff.invited_by = invite_row.name, True, invite_row.created_by
    staff.bound_at = utc_naive(now)
    session.flush()
    invite_row.staff_id = staff.id
    session.commit()
    return staff


def of(session, openid: str | None) -> Staff | None:
    """The active staff member signed in as ``openid``, if any."""
    if not openid:
        return None
    return session.scalar(select(Staff).where(Staff.openid == openid, Staff.active.is_(True)))


def actor(staff: Staff) -> str:
    """Who a staff member's redemption is recorded as (``Win.redeemed_by``)."""
    return f"staff:{staff.id} {staff.name}"[:80]


def revoke(session, staff_id: int) -> None:
    if not session.execute(update(Staff).where(Staff.id == staff_id).values(active=False)).rowcount:
        raise DomainError(ErrorCode.NOT_FOUND, "No such staff member.", {"staff_id": ["Unknown."]})
    session.commit()


def everyone(session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.active.desc(), Staff.name)))
