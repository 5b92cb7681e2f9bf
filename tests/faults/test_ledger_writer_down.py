"""Against a real gunicorn server and ledger writer process: the writer SIGKILLed under load
(mid-batch, with entries read and not acknowledged), kept down while plays go on, then started
again. No play is refused meanwhile; SQL catches up; Redis and SQL then agree on every number
(sequence, stock awarded, each player's plays) and every acknowledged play is in SQL once.

The outage lasts a couple of seconds here (the issue's 60 s is a setting away: nothing in the
writer depends on how long it was down), so the suite stays fast."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.draw.keys import CampaignKeys
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.campaigns.conftest import live_servers
from tests.campaigns.test_concurrency import cookie_for
from tests.ledger import caught_up
from tests.load import fire

WRITER_DOWN_S = 2.0


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def live(app, tmp_path):
    [server] = live_servers(
        app,
        tmp_path,
        1,
        with_writer=True,
        LEDGER_CLAIM_IDLE_MS="500",  # a dead writer's entries are taken over soon
        LEDGER_BATCH="50",
    )
    yield server
    server.stop()


@pytest.mark.slow
@pytest.mark.one_database  # the writer's SQL is exercised on both in test_ledger_writer.py
def test_writer_killed_under_load_then_restarted_sql_catches_up(app, factory, live, redis):
    campaign = factory.campaign(
        plays_per_user_per_day=None,
        wins_per_user_total=None,
        prizes=[{"name": "Coupon", "stock": 60, "probability": 0.1}],
    )
    cookies = [cookie_for(app, p) for p in factory.players(30)]
    path = f"/h5/{campaign.id}/play"
    results: list = []
    stop = threading.Event()

    def load() -> None:
        n = 0
        while not stop.is_set():
            jobs = [(path, cookies[(n + i) % 30], f"w{n + i}") for i in range(40)]
            results.extend(fire(live.url, jobs, threads=8))
            n += 40

    loader = threading.Thread(target=load)
    loader.start()
    try:
        while len(results) < 200:
            time.sleep(0.05)
        live.kill_writer()  # under load: most likely with a batch read and not acknowledged
        down_at = len(results)
        time.sleep(WRITER_DOWN_S)
        assert len(results) > down_at  # plays went on without a writer
        live.start_writer()
        time.sleep(0.5)
    finally:
        stop.set()
        loader.join()

    assert Counter(s for s, _ in results) == {200: len(results)}  # no play refused
    assert caught_up(live)["backlog"] == 0
    db.session.expire_all()
    rows = db.session.execute(
        select(Play.seq, Play.outcome, Play.player_id).where(Play.campaign_id == campaign.id)
    ).all()
    seqs = sorted(r.seq for r in rows)
    assert seqs == list(range(1, len(results) + 1))  # every play once, no gap
    assert {r.seq: r.outcome for r in rows} == {b["play_id"]: b["outcome"] for _, b in results}
    # Redis equals SQL: the sequence counter, the stock handed out, each player's count
    keys = CampaignKeys(campaign.id)
    assert int(redis.get(keys.seq)) == len(results)
    wins = db.session.scalar(select(func.count()).select_from(Win))
    assert int(redis.hget(keys.awarded, str(campaign.prizes[0].id)) or 0) == wins
    codes = {b["code"] for _, b in results if b["outcome"] == "win"}
    assert set(db.session.scalars(select(Win.code))) == codes
    per_player = Counter(r.player_id for r in rows)
    for player_id, count in per_player.items():
        assert int(redis.hget(keys.player(player_id), "t")) == count
    assert not live.failures_in_logs()
