"""What the bench scripts set up: a live wheel campaign and signed-in players."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from campaigns.core.clock import utc_naive
from campaigns.management import campaign_admin
from campaigns.models import Campaign, Player
from campaigns.web.extensions import db
from games import registry

# Two prizes: one that runs out during a load (oversell check), one that never does.
PRIZES = [
    {"name": "Phone", "stock": 100, "probability": 0.05},
    {"name": "Coupon", "stock": 1_000_000, "probability": 0.3},
]


def live_campaign(app, name: str, now, days: int = 7, **settings) -> Campaign:
    """A wheel campaign open from an hour ago for ``days``, published (its seed drawn)."""
    data = {
        "name": name,
        "game": "wheel",
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=days),
        "rules": f"{name} (benchmark).",
        "prizes": PRIZES,
        **settings,
    }
    campaign = campaign_admin.create_campaign(db.session, data, "bench", now)
    redis = app.extensions["redis"]["counters"]
    campaign_admin.change_status(
        db.session, redis, campaign, "live", "bench", now, registry.get(campaign.game)
    )
    return campaign


def player_cookies(app, count: int, now) -> list[str]:
    """``count`` new players, bulk-inserted, and a signed session cookie for each."""
    db.session.execute(
        insert(Player),
        [{"openid": f"o-bench-{n:06d}", "created_at": utc_naive(now)} for n in range(count)],
    )
    db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    return [
        serializer.dumps({"player_id": pid, "openid": openid, "_permanent": True})
        for pid, openid in db.session.execute(select(Player.id, Player.openid))
    ]
