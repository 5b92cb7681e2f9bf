"""A synthetic campaign with N plays, bulk-inserted, for ``make bench`` and report timing.

Rows go in with executemany batches (``session.execute(insert(Model), rows)``), so a million
plays take seconds rather than an ORM round trip each. The data is shaped like a real campaign:
plays spread over its days and hours, one player in ten plays again, wins within stock.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert

from campaigns.core.clock import utc_naive
from campaigns.management import campaign_admin
from campaigns.models import FollowEvent, PageViewBucket, Play, Player, Win

BATCH = 20_000


def make_campaign(session, plays: int, now, seed: int = 1):
    """Create a live-looking wheel campaign with ``plays`` plays ending at ``now``."""
    rng = random.Random(seed)
    days = 14
    starts = now - timedelta(days=days)
    campaign = campaign_admin.create_campaign(
        session,
        {
            "name": f"Synthetic {plays} plays",
            "game": "wheel",
            "starts_at": starts,
            "ends_at": now + timedelta(hours=1),
            "timezone": "Asia/Shanghai",
            "rules": "Synthetic data.",
            "prizes": [
                {"name": "Phone", "stock": 50, "probability": 0.0001},
                {"name": "Coupon", "stock": plays // 10 + 1, "probability": 0.1},
            ],
        },
        "synthetic",
        now,
    )
    campaign.status = "live"
    session.commit()
    phone, coupon = (p.id for p in campaign.prizes)
    player_count = max(plays // 3, 1)
    first_player = _players(session, campaign.id, player_count, now)
    zone = campaign.zone
    span = (now - starts).total_seconds()
    player_seq: dict[int, int] = {}
    awarded = {phone: 0, coupon: 0}
    play_rows, win_rows = [], []
    for seq in range(1, plays + 1):
        player = first_player + rng.randrange(player_count)
        player_seq[player] = player_seq.get(player, 0) + 1
        at = starts + timedelta(seconds=rng.random() * span)
        u = rng.random()
        prize = phone if u < 0.0001 else coupon if u < 0.1001 else None
        if prize and awarded[prize] >= (50 if prize == phone else plays // 10 + 1):
            prize = None
        play_rows.append(
            {
                "campaign_id": campaign.id,
                "player_id": player,
                "seq": seq,
                "idempotency_key": f"s{seq}",
                "created_at": utc_naive(at),
                "day": at.astimezone(zone).date().isoformat(),
                "player_seq": player_seq[player],
                "day_seq": seq,  # unique per player and day is all the constraint needs
                "outcome": "win" if prize else "lose",
                "eligible": True,
                "prize_id": prize,
                "uniform": int(u * (1 << 48)),
                "stock_before": {},
                "pseudonym": f"p{player}",
            }
        )
        if prize:
            awarded[prize] += 1
            win_rows.append((seq, prize, player, awarded[prize], utc_naive(at)))
        if len(play_rows) >= BATCH:
            _flush(session, campaign.id, play_rows, win_rows)
    _flush(session, campaign.id, play_rows, win_rows)
    _follows_and_views(session, campaign.id, starts, now, rng)
    session.commit()
    return campaign


def _players(session, campaign_id: int, count: int, now) -> int:
    start = (session.query(Player.id).order_by(Player.id.desc()).limit(1).scalar() or 0) + 1
    for first in range(0, count, BATCH):
        session.execute(
            insert(Player),
            [
                {
                    "id": start + i,
                    "openid": f"o-syn-{campaign_id}-{i}",
                    "created_at": utc_naive(now),
                }
                for i in range(first, min(first + BATCH, count))
            ],
        )
    return start


def _flush(session, campaign_id: int, play_rows: list, win_rows: list) -> None:
    if not play_rows:
        return
    session.execute(insert(Play), play_rows)
    if win_rows:
        ids = dict(
            session.execute(
                Play.__table__.select()
                .with_only_columns(Play.seq, Play.id)
                .where(Play.campaign_id == campaign_id, Play.seq.in_([w[0] for w in win_rows]))
            ).all()
        )
        session.execute(
            insert(Win),
            [
                {
                    "play_id": ids[seq],
                    "campaign_id": campaign_id,
                    "prize_id": prize,
                    "player_id": player,
                    "slot": slot,
                    "player_win_no": seq,
                    "code": f"SYN{campaign_id}-{seq}",
                    "created_at": at,
                }
                for seq, prize, player, slot, at in win_rows
            ],
        )
    session.commit()
    play_rows.clear()
    win_rows.clear()


def _follows_and_views(session, campaign_id: int, starts, now, rng) -> None:
    follows = [
        {
            "openid": f"o-syn-{campaign_id}-{i}",
            "event": "subscribe",
            "campaign_id": campaign_id,
            "scene": f"campaign-{campaign_id}",
            "created_at": utc_naive(starts + timedelta(hours=rng.randrange(14 * 24))),
        }
        for i in range(2000)
    ]
    session.execute(insert(FollowEvent), follows)
    hours = int((now - starts).total_seconds() // 3600)
    session.execute(
        insert(PageViewBucket),
        [
            {
                "campaign_id": campaign_id,
                "hour": utc_naive(starts.replace(minute=0, second=0, microsecond=0))
                + timedelta(hours=h),
                "views": rng.randrange(100, 5000),
            }
            for h in range(hours)
        ],
    )
