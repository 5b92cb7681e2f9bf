"""The ledger cannot be written: the player gets a 503 and the stock comes back (a real lock held
on the database by another connection, so the write really times out)."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import create_engine, func, select, text

from campaigns.draw.keys import CampaignKeys
from campaigns.ledger.sweeper import sweep
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.campaigns.test_play_endpoint import play


@contextmanager
def database_write_locked(url: str):
    """Hold a write lock on the ledger from another connection (reads still go through)."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    other = create_engine(url)
    with other.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("LOCK TABLE play IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            transaction.rollback()
    other.dispose()


def test_a_failed_ledger_write_gives_the_prize_back(factory, app_on, redis_url, clock):
    app = app_on(redis_url, DB_LOCK_TIMEOUT_MS=300)
    with app.app_context():
        campaign = factory.campaign(
            plays_per_user_total=2, prizes=[{"name": "Phone", "stock": 1, "probability": 1.0}]
        )
        client = factory.signed_in(factory.player(), app.test_client())
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        with database_write_locked(url):
            failed = play(client, campaign.id, key="try-1")
        assert failed.status_code == 503
        assert failed.json["error"] == "unavailable"
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Play)) == 0

        # the stock and the play were given back: the next play wins the only phone
        won = play(client, campaign.id, key="try-2")
        assert won.status_code == 200 and won.json["outcome"] == "win"
        assert play(client, campaign.id, key="try-3").status_code == 200  # 2 plays allowed
        assert play(client, campaign.id).json["error"] == "total_limit"

        # the withdrawn draw keeps its sequence number as a void entry
        clock.advance(seconds=30)
        sweep(
            db.session, app.extensions["redis"]["counters"], campaign.id, clock.now(), "test-secret"
        )
        rows = db.session.execute(select(Play.seq, Play.outcome).order_by(Play.seq)).all()
        assert [tuple(r) for r in rows] == [(1, "void"), (2, "win"), (3, "lose")]
        assert db.session.scalar(select(func.count()).select_from(Win)) == 1
        assert app.extensions["redis"]["counters"].zcard(CampaignKeys(campaign.id).inflight) == 0


def test_service_resumes_when_the_database_returns(factory, app_on, redis_url, clock):
    app = app_on(redis_url, DB_LOCK_TIMEOUT_MS=300)
    with app.app_context():
        campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 10, "probability": 0.5}])
        clients = [factory.signed_in(p, app.test_client()) for p in factory.players(3)]
        with database_write_locked(app.config["SQLALCHEMY_DATABASE_URI"]):
            assert {play(c, campaign.id).status_code for c in clients} == {503}
        clock.advance(seconds=1)
        assert {play(c, campaign.id).status_code for c in clients} == {200}
