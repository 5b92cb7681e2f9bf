"""Marking a prize redeemed, exactly once, for the API and the console's redemption desk.

The mark is one conditional UPDATE (``WHERE redeemed_at IS NULL``), so two desks scanning the
same code at once cannot both succeed: the second is told when and by whom it was redeemed.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update

from campaigns.core.clock import as_utc, utc_naive
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.ledger.ledger import CODE_ALPHABET, CODE_LENGTH
from campaigns.models import Player, Win
from campaigns.models.campaign import PrizeKind
from campaigns.prizes import kinds

_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def normalize(code: str) -> str:
    """What staff type or scan: any case, with or without dashes and spaces."""
    raw = re.sub(r"[\s-]", "", code or "").upper()
    if not _CODE.match(raw):
        raise DomainError(
            ErrorCode.VALIDATION,
            "Not a redemption code.",
            {"code": [f"{CODE_LENGTH} letters and digits, like ABCD-EFGH-JKLM-NPQR."]},
        )
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def mask_openid(openid: str | None) -> str:
    """Enough of the openid for staff to tell two winners apart, not enough to reuse it."""
    if not openid:
        return ""
    if len(openid) <= 8:
        return openid[:2] + "***"
    return f"{openid[:4]}***{openid[-4:]}"


def find(session, code: str) -> Win:
    win = session.scalar(select(Win).where(Win.code == normalize(code)))
    if win is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No prize has this code.", {"code": ["Unknown."]})
    return win


def describe(session, win: Win) -> dict:
    openid = session.scalar(select(Player.openid).where(Player.id == win.player_id))
    return {
        "code": win.code,
        "campaign_id": win.campaign_id,
        "campaign": win.prize.campaign.name,
        "timezone": win.prize.campaign.timezone,
        "prize": win.prize.name,
        "kind": win.prize.kind,
        "deadline": None
        if (due := kinds.deadline(win.prize, win.created_at)) is None
        else due.isoformat(),
        "expired": win.expired_at is not None,
        "won_at": as_utc(win.created_at).isoformat(),
        "winner": mask_openid(openid),
        "redeemed": win.redeemed_at is not None,
        "redeemed_at": None if win.redeemed_at is None else as_utc(win.redeemed_at).isoformat(),
        "redeemed_by": win.redeemed_by,
    }


def redeem(session, code: str, actor: str, now: datetime) -> dict:
    win = find(session, code)
    if win.prize.kind != PrizeKind.CODE.value:
        raise DomainError(
            ErrorCode.CONFLICT,
            "This prize is shipped or paid, not redeemed at a counter.",
            {"code": [f"A {win.prize.kind} prize."]},
        )
    if win.redeemed_at is None and kinds.status(win, None, None, now) == kinds.WinStatus.EXPIRED:
        raise DomainError(
            ErrorCode.CLAIM_EXPIRED,
            "The time to redeem this prize has passed.",
            {"code": ["Expired."]},
        )
    marked = session.execute(
        update(Win)
        .where(Win.id == win.id, Win.redeemed_at.is_(None), Win.expired_at.is_(None))
        .values(redeemed_at=utc_naive(now), redeemed_by=actor[:80])
    ).rowcount
    session.commit()
    session.refresh(win)
    if not marked and win.redeemed_at is None:  # the expiry job got there first
        raise DomainError(ErrorCode.CLAIM_EXPIRED, fields={"code": ["Expired."]})
    if not marked:
        campaign = win.prize.campaign
        when = as_utc(win.redeemed_at).astimezone(campaign.zone).strftime("%Y-%m-%d %H:%M")
        said = f"Already redeemed at {when} by {win.redeemed_by}."
        raise DomainError(ErrorCode.ALREADY_REDEEMED, said, {"code": [said]})
    return describe(session, win)
