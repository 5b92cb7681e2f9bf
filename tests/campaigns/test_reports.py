"""The report against a campaign whose plays, wins, follows and page views are known exactly,
with days and hours bucketed in Asia/Shanghai across a local midnight."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaigns.core.clock import utc_naive
from campaigns.ledger.ledger import new_redemption_code
from campaigns.models import FollowEvent, PageViewBucket, Play, Win
from campaigns.reports import reports
from campaigns.web.extensions import db


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (player, UTC time, local day, outcome, prize index or None, eligible)
PLAYS = [
    ("A", "2026-09-18T15:30", "2026-09-18", "lose", None, True),  # 23:30 Fri in Shanghai
    ("A", "2026-09-18T16:10", "2026-09-19", "win", 0, True),  # 00:10 Sat: after midnight
    ("B", "2026-09-18T16:50", "2026-09-19", "lose", None, True),  # 00:50 Sat
    ("B", "2026-09-19T02:00", "2026-09-19", "win", 1, True),  # 10:00 Sat
    ("C", "2026-09-20T01:59", "2026-09-20", "lose", None, False),  # 09:59 Sun, failed quiz
    ("C", "2026-09-18T15:59", "2026-09-18", "void", None, True),  # withdrawn: not a play
]


def add_play(campaign, player, seq, at, day, outcome, prize, eligible):
    play = Play(
        campaign_id=campaign.id,
        player_id=player.id,
        seq=seq,
        idempotency_key=f"k{seq}",
        created_at=utc_naive(utc(at)),
        day=day,
        player_seq=seq,
        day_seq=seq,
        outcome=outcome,
        eligible=eligible,
        prize_id=prize.id if prize else None,
        uniform=seq,
        stock_before={},
        pseudonym=f"pseudo-{player.id}",
    )
    if prize:
        play.win = Win(
            campaign_id=campaign.id,
            prize_id=prize.id,
            player_id=player.id,
            slot=1,
            player_win_no=1,
            code=new_redemption_code(),
            created_at=play.created_at,
        )
    db.session.add(play)
    return play


def follow(openid, event, at, campaign_id=None):
    db.session.add(
        FollowEvent(
            openid=openid, event=event, campaign_id=campaign_id, created_at=utc_naive(utc(at))
        )
    )


@pytest.fixture
def known(factory, clock):
    """Now is 2026-09-20 03:00 UTC (11:00 Sunday in Shanghai)."""
    clock.set(utc("2026-09-20T03:00"))
    campaign = factory.campaign(
        starts_at=datetime.fromisoformat("2026-09-10T00:00:00+08:00"),
        ends_at=datetime.fromisoformat("2026-09-27T00:00:00+08:00"),
    )
    other = factory.campaign(name="Other")
    players = {name: factory.player(f"o-known-{name}") for name in "ABC"}
    for seq, (who, at, day, outcome, prize, eligible) in enumerate(PLAYS, 1):
        chosen = campaign.prizes[prize] if prize is not None else None
        add_play(campaign, players[who], seq, at, day, outcome, chosen, eligible)
    db.session.flush()
    coupon_win = db.session.query(Win).filter_by(prize_id=campaign.prizes[1].id).one()
    coupon_win.redeemed_at, coupon_win.redeemed_by = utc_naive(clock.now()), "desk"
    for hour, views in (
        ("2026-09-18T15:00", 50),
        ("2026-09-18T16:00", 40),
        ("2026-09-19T02:00", 30),
    ):
        db.session.add(
            PageViewBucket(campaign_id=campaign.id, hour=utc_naive(utc(hour)), views=views)
        )
    db.session.add(
        PageViewBucket(campaign_id=other.id, hour=utc_naive(utc("2026-09-19T02:00")), views=999)
    )
    cid = campaign.id
    follow("x1", "subscribe", "2026-09-11T00:00", cid)
    follow("x1", "unsubscribe", "2026-09-12T00:00")  # left within a week
    follow("x2", "subscribe", "2026-09-12T00:00", cid)
    follow("x2", "unsubscribe", "2026-09-19T12:00")  # left after more than a week
    follow("x3", "subscribe", "2026-09-12T06:00", cid)  # stays
    follow("x4", "subscribe", "2026-09-18T10:00", cid)  # too recent for the 7-day share
    follow("x4", "subscribe", "2026-09-19T10:00", cid)  # the same follower again: counted once
    follow("x5", "subscribe", "2026-09-15T00:00", other.id)  # another campaign's
    follow("x6", "subscribe", "2026-09-16T00:00")  # not through a campaign
    follow("x7", "unsubscribe", "2026-09-19T00:00")
    follow("x8", "subscribe", "2026-09-01T00:00")  # before the window
    db.session.commit()
    return campaign


EXPECTED_FUNNEL = {"page_views": 120, "players": 3, "plays": 5, "wins": 2, "redeemed": 1}


def test_funnel_and_prizes(known, clock):
    report = reports.build(db.session, known, clock.now())
    assert report["funnel"] == EXPECTED_FUNNEL
    assert report["draws"] == 4
    phone, coupon = report["prizes"]
    assert (phone["wins"], phone["stock_left"], phone["observed_rate"]) == (1, 4, 0.25)
    assert (coupon["wins"], coupon["stock_left"], coupon["redeemed"]) == (1, 99, 1)
    assert (phone["probability"], coupon["probability"]) == (0.01, 0.2)
    assert report["no_prize_rate"] == 0.5


def test_days_and_hours_in_shanghai(known, clock):
    report = reports.build(db.session, known, clock.now())
    days = {d["day"]: (d["plays"], d["players"], d["weekend"]) for d in report["by_day"]}
    assert list(days) == [f"2026-09-{d}" for d in range(10, 21)]  # every day so far, in order
    assert days["2026-09-18"] == (1, 1, False)
    assert days["2026-09-19"] == (3, 2, True)
    assert days["2026-09-20"] == (1, 1, True)
    assert days["2026-09-17"] == (0, 0, False)
    hours = {h["hour"]: (h["plays"], h["players"]) for h in report["by_hour"] if h["plays"]}
    assert hours == {23: (1, 1), 0: (2, 2), 10: (1, 1), 9: (1, 1)}
    assert len(report["by_hour"]) == 24
    assert report["weekday_weekend"] == {
        "weekday": {"days": 7, "plays": 1, "players": 1},
        "weekend": {"days": 4, "plays": 4, "players": 3},
    }


def test_follower_gain(known, clock):
    report = reports.build(db.session, known, clock.now())
    assert report["followers"] == {
        "source": "follow events",
        "followed": 4,
        "unfollowed": 2,
        "net": 2,
        "followed_7_days_ago": 3,
        "still_following_after_7_days": pytest.approx(2 / 3),
        "wechat": None,  # WeChat's check: the caller adds it (reports/follower_check.py)
    }
    assert report["account_follows"] == {"follows": 7, "unfollows": 3, "net": 4}


def test_verification_figures(known, clock):
    report = reports.build(db.session, known, clock.now())
    assert report["verification"]["seed_commitment"] == known.seed_commitment
    assert len(known.seed_commitment) == 64


def test_hours_follow_daylight_saving(factory, clock):
    """New York leaves DST on 2026-11-01: 13:30 UTC is 09:30 before and 08:30 after."""
    clock.set(utc("2026-11-05T00:00"))
    campaign = factory.campaign(
        timezone="America/New_York",
        starts_at=utc("2026-10-25T00:00"),
        ends_at=utc("2026-11-10T00:00"),
    )
    player = factory.player()
    add_play(campaign, player, 1, "2026-10-30T13:30", "2026-10-30", "lose", None, True)
    add_play(campaign, player, 2, "2026-11-02T13:30", "2026-11-02", "lose", None, True)
    db.session.commit()
    report = reports.build(db.session, campaign, clock.now())
    hours = {h["hour"]: h["plays"] for h in report["by_hour"] if h["plays"]}
    assert hours == {9: 1, 8: 1}


def test_api_report_matches_for_an_analyst(known, factory, client):
    token = factory.token("analyst")
    response = client.get(
        f"/api/campaigns/{known.id}/report", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["funnel"] == EXPECTED_FUNNEL
    assert body["followers"]["net"] == 2
    assert client.get(f"/api/campaigns/{known.id}/report").status_code == 401


def test_cli_report_prints_the_same_figures(known, app):
    text = app.test_cli_runner().invoke(args=["report", str(known.id)])
    assert text.exit_code == 0, text.output
    assert "page_views  120" in text.output and "== by_hour ==" in text.output
    as_csv = app.test_cli_runner().invoke(args=["report", str(known.id), "--csv"])
    assert "funnel,plays,5" in as_csv.output
    assert "followers,net,2" in as_csv.output
