"""Wins as they exist in SQL (the ledger's rows), whichever way the play path wrote them."""

from __future__ import annotations

import itertools

from campaigns.core.clock import utc_naive
from campaigns.ledger.ledger import new_redemption_code
from campaigns.models import Play, Win
from campaigns.web.extensions import db

_seq = itertools.count(1)


def win_of(campaign, prize, player, at) -> Win:
    """A recorded win of ``prize`` for ``player`` at ``at`` (an aware datetime)."""
    seq = next(_seq)
    play = Play(
        campaign_id=campaign.id,
        player_id=player.id,
        seq=seq,
        idempotency_key=f"k{seq}",
        created_at=utc_naive(at),
        day=at.date().isoformat(),
        player_seq=seq,
        day_seq=seq,
        outcome="win",
        eligible=True,
        prize_id=prize.id,
        uniform=seq,
        stock_before={},
        pseudonym=f"pseudo-{player.id}",
    )
    play.win = Win(
        campaign_id=campaign.id,
        prize_id=prize.id,
        player_id=player.id,
        slot=seq,
        player_win_no=seq,
        code=new_redemption_code(),
        created_at=play.created_at,
    )
    db.session.add(play)
    db.session.commit()
    return play.win


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


ADDRESS = {
    "name": "张三",
    "phone": "13912345678",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "address": "科技园路 1 号",
}

KINDS = [
    {"name": "Mug", "kind": "goods", "stock": 10, "probability": 0.1, "claim_days": 7},
    {"name": "Red packet", "kind": "cash", "amount_fen": 500, "stock": 10, "probability": 0.1},
    {"name": "Coupon", "stock": 10, "probability": 0.1, "claim_days": 3},
]
