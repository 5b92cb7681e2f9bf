"""The play endpoint: refusals, limits, idempotency, the day boundary, window and status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.draw import rules
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from games import standing


def play(client, campaign_id, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/h5/{campaign_id}/play", headers=headers)


def test_a_play_is_recorded_before_the_response(factory):
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 10, "probability": 1.0}])
    client = factory.signed_in(factory.player())
    response = play(client, campaign.id)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["outcome"] == "win"
    assert body["prize"]["name"] == "Coupon"
    assert len(body["code"].replace("-", "")) == 16
    stored = db.session.scalar(select(Play).where(Play.seq == body["play_id"]))
    assert stored.outcome == "win" and stored.win.code == body["code"]
    assert stored.seq == 1
    assert "segment" in body  # a wheel campaign


def test_no_session_is_refused(factory, client):
    campaign = factory.campaign()
    response = client.post(f"/h5/{campaign.id}/play", json={"openid": "o-someone"})
    assert response.status_code == 401
    assert response.json["error"] == "no_session"
    assert db.session.scalar(select(func.count()).select_from(Play)) == 0


def test_openid_in_the_request_is_ignored(factory):
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 10, "probability": 0.5}])
    me, other = factory.player(), factory.player()
    client = factory.signed_in(me)
    response = client.post(
        f"/h5/{campaign.id}/play?openid={other.openid}",
        json={"openid": other.openid, "player_id": other.id},
        headers={"X-Openid": other.openid},
    )
    assert response.status_code == 200
    assert (
        db.session.scalar(select(Play.player_id).where(Play.seq == response.json["play_id"]))
        == me.id
    )


@pytest.mark.parametrize(
    ("status", "code"), [("draft", "not_live"), ("paused", "not_live"), ("ended", "ended")]
)
def test_status_refusals(factory, status, code):
    campaign = factory.campaign(status=status)
    response = play(factory.signed_in(factory.player()), campaign.id)
    assert response.status_code == 403
    assert response.json["error"] == code


def test_window_refusals(factory, clock):
    campaign = factory.campaign(
        starts_at=clock.now() + timedelta(hours=1), ends_at=clock.now() + timedelta(hours=3)
    )
    client = factory.signed_in(factory.player())
    assert play(client, campaign.id).json["error"] == "not_started"
    clock.advance(hours=2)
    assert play(client, campaign.id).status_code == 200
    clock.advance(hours=1)
    assert play(client, campaign.id).json["error"] == "ended"


def test_unknown_campaign_is_404(factory):
    response = play(factory.signed_in(factory.player()), 999)
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_daily_and_total_limits(factory, clock):
    campaign = factory.campaign(plays_per_user_per_day=2, plays_per_user_total=3)
    client = factory.signed_in(factory.player())
    assert play(client, campaign.id).json["plays_left_today"] == 1
    assert play(client, campaign.id).json["plays_left_today"] == 0
    refused = play(client, campaign.id)
    assert refused.status_code == 429 and refused.json["error"] == "daily_limit"
    clock.advance(days=1)
    assert play(client, campaign.id).json["plays_left_today"] == 0  # total limit binds
    assert play(client, campaign.id).json["error"] == "total_limit"
    assert db.session.scalar(select(func.count()).select_from(Play)) == 3


def test_day_boundary_is_the_campaigns_midnight(factory, clock):
    # 15:59:59 UTC is 23:59:59 in Shanghai; a second later it is a new day there, not in UTC.
    clock.set(datetime(2026, 9, 21, 15, 59, 59, tzinfo=UTC))
    campaign = factory.campaign(plays_per_user_per_day=1)
    client = factory.signed_in(factory.player())
    assert play(client, campaign.id).status_code == 200
    assert play(client, campaign.id).json["error"] == "daily_limit"
    clock.advance(seconds=1)
    assert play(client, campaign.id).status_code == 200
    days = db.session.scalars(select(Play.day).order_by(Play.seq)).all()
    assert days == ["2026-09-21", "2026-09-22"]


def test_utc_midnight_does_not_reset_the_day(factory, clock):
    clock.set(datetime(2026, 9, 21, 23, 30, tzinfo=UTC))  # 07:30 in Shanghai
    campaign = factory.campaign(plays_per_user_per_day=1)
    client = factory.signed_in(factory.player())
    assert play(client, campaign.id).status_code == 200
    clock.advance(hours=1)  # past UTC midnight, still the same Shanghai day
    assert play(client, campaign.id).json["error"] == "daily_limit"


def test_wins_per_user_total(factory):
    campaign = factory.campaign(
        wins_per_user_total=1, prizes=[{"name": "Coupon", "stock": 10, "probability": 1.0}]
    )
    client = factory.signed_in(factory.player())
    outcomes = [play(client, campaign.id).json["outcome"] for _ in range(4)]
    assert outcomes == ["win", "lose", "lose", "lose"]


def test_same_key_twice_gives_one_play_and_the_same_body(factory):
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 10, "probability": 0.5}])
    client = factory.signed_in(factory.player())
    first = play(client, campaign.id, key="k-1")
    second = play(client, campaign.id, key="k-1")
    assert first.status_code == second.status_code == 200
    assert first.json == second.json
    assert db.session.scalar(select(func.count()).select_from(Play)) == 1


def test_another_players_key_is_their_own(factory):
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 10, "probability": 1.0}])
    alice = factory.signed_in(factory.player())
    bob = factory.signed_in(factory.player())
    a = play(alice, campaign.id, key="shared")
    b = play(bob, campaign.id, key="shared")
    assert a.json["play_id"] != b.json["play_id"]
    assert a.json["code"] != b.json["code"]


@pytest.mark.parametrize("key", ["", "x" * 65, "bad key", "ключ"])
def test_bad_idempotency_key_is_422_and_changes_nothing(factory, key):
    campaign = factory.campaign()
    response = play(factory.signed_in(factory.player()), campaign.id, key=key or " ")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["fields"]
    assert db.session.scalar(select(func.count()).select_from(Play)) == 0


def test_out_of_stock_becomes_no_prize(factory):
    campaign = factory.campaign(
        wins_per_user_total=None, prizes=[{"name": "Coupon", "stock": 2, "probability": 1.0}]
    )
    client = factory.signed_in(factory.player())
    outcomes = [play(client, campaign.id).json["outcome"] for _ in range(5)]
    assert outcomes == ["win", "win", "lose", "lose", "lose"]
    assert db.session.scalar(select(func.count()).select_from(Win)) == 2


def test_the_draws_rules_in_python_are_the_scripts(factory, clock):
    """``campaigns/draw/rules.py`` (what the page and the quiz ask before a play) refuses as
    the draw script does, play after play, through the window and both limits."""
    campaign = factory.campaign(
        starts_at=clock.now() + timedelta(hours=1),
        ends_at=clock.now() + timedelta(days=1, hours=3),
        plays_per_user_per_day=2,
        plays_per_user_total=3,
        prizes=[{"name": "Coupon", "stock": 1, "probability": 0.5}],
    )
    player = factory.player()
    client = factory.signed_in(player)
    seen = []
    for hours in (0, 2, 0, 0, 24, 0, 2):
        clock.advance(hours=hours)
        expected = rules.campaign_refusal(campaign, clock.now()) or rules.limit_refusal(
            campaign, *standing._plays(db.session, campaign, player.id, clock.now())
        )
        response = play(client, campaign.id)
        seen.append(response.json.get("error"))
        assert response.json.get("error") == (expected.value if expected else None)
    assert seen == ["not_started", None, None, "daily_limit", None, "total_limit", "ended"]
