"""``/healthz``: the framework's floor for benchmarks and a liveness probe for deployments.
``/healthz/ledger``: for operators' monitoring, how far the SQL ledger is behind the play
streams (plays not yet written per campaign, and the age of the oldest)."""

from flask import Blueprint, current_app
from sqlalchemy import select

from campaigns.core.services import redis_clients
from campaigns.ledger import writer
from campaigns.models import Campaign
from campaigns.web.extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    return {"ok": True}


@blueprint.get("/healthz/ledger")
def ledger_status():
    """``ok`` is false once a campaign holds as many unwritten plays as its bound allows (its
    plays then answer 503) or the oldest has waited longer than a minute (no writer running?)."""
    redis = redis_clients.counters
    bound = int(current_app.config["LEDGER_BACKLOG_MAX"])
    published = db.session.execute(
        select(Campaign.id, Campaign.shards).where(Campaign.seed.is_not(None)).order_by(Campaign.id)
    ).all()
    db.session.commit()
    now_ms = writer.redis_time_ms(redis)
    campaigns = []
    for row in published:
        held = writer.backlog(redis, row.id, row.shards)
        campaigns.append({"id": row.id, "backlog": held.plays, "lag_ms": held.waited_ms(now_ms)})
    total = sum(c["backlog"] for c in campaigns)
    lag_ms = max((c["lag_ms"] for c in campaigns if c["lag_ms"] is not None), default=0)
    full = bound > 0 and any(c["backlog"] >= bound for c in campaigns)
    return {
        "ok": not full and lag_ms < STALE_MS,
        "backlog": total,
        "backlog_max": bound,
        "lag_ms": lag_ms,
        "campaigns": [c for c in campaigns if c["backlog"]],
    }


STALE_MS = 60_000
