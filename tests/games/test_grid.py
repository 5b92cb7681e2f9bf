"""The nine-square grid: its ring of cells, where a play lands, the play endpoint, the 7-prize
limit in the admin API, the page, and the demo's grid campaign."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaigns.models import Campaign, Play, Prize
from campaigns.web.admin_api.schemas import CampaignIn
from campaigns.web.cli.demo_data import demo_campaigns, seed_demo
from campaigns.web.extensions import db
from games.grid import CELLS, MAX_PRIZES, Grid, cells
from tests.bad_input.helpers import bearer, campaign_json

TOO_MANY = "A grid has 8 cells and keeps one for no prize: at most 7 prizes."


def prizes(count: int, probability: float = 0.1) -> list[dict]:
    return [
        {"name": f"奖品{i} Prize {i}", "stock": 10, "probability": probability}
        for i in range(count)
    ]


def table(count: int) -> list[Prize]:
    return [Prize(id=100 + i, name=f"P{i}", image_url=None) for i in range(count)]


@pytest.mark.parametrize("count", range(1, MAX_PRIZES + 1))
def test_prizes_keep_their_order_round_the_ring_with_no_prize_cells_between(count):
    layout = cells(table(count))
    assert len(layout) == CELLS
    placed = [c["prize_id"] for c in layout if c["prize_id"] is not None]
    assert placed == [100 + i for i in range(count)]  # each prize once, in table order
    blanks = [i for i, c in enumerate(layout) if c["prize_id"] is None]
    assert len(blanks) == CELLS - count >= 1
    at = [i for i, c in enumerate(layout) if c["prize_id"] is not None]
    spacing = [(b - a) % CELLS for a, b in zip(at, at[1:] + at[:1], strict=True)]
    assert max(spacing) - min(spacing) <= 1  # spread evenly round the ring


def test_a_win_lands_on_its_prizes_cell_and_a_loss_on_a_no_prize_cell():
    grid = Grid()
    campaign = Campaign(prizes=table(3))
    layout = cells(campaign.prizes)
    for prize in campaign.prizes:
        won = Play(prize_id=prize.id, outcome="win", seq=7)
        assert layout[grid.present(campaign, won)["cell"]]["prize_id"] == prize.id
    landed = set()
    for seq in range(1, 20):
        lost = Play(prize_id=None, outcome="lose", seq=seq)
        cell = grid.present(campaign, lost)["cell"]
        assert layout[cell]["prize_id"] is None
        assert grid.present(campaign, lost)["cell"] == cell  # the same play, the same cell
        landed.add(cell)
    assert len(landed) == CELLS - 3  # losses use every no-prize cell, not always the same one


def test_the_play_endpoint_presents_the_cell_and_a_replay_gets_the_same(factory):
    campaign = factory.campaign(
        game="grid",
        prizes=[
            {"name": "手机 Phone", "stock": 1, "probability": 0.0},
            {"name": "10元优惠券 Coupon", "stock": 10, "probability": 1.0},
        ],
    )
    client = factory.signed_in(factory.player())
    first = client.post(f"/h5/{campaign.id}/play", headers={"Idempotency-Key": "grid-1"})
    assert first.status_code == 200, first.json
    body = first.json
    assert body["outcome"] == "win" and body["prize"]["name"] == "10元优惠券 Coupon"
    assert "segment" not in body
    layout = cells(campaign.prizes)
    assert layout[body["cell"]]["label"] == "10元优惠券 Coupon"
    again = client.post(f"/h5/{campaign.id}/play", headers={"Idempotency-Key": "grid-1"})
    assert again.json == body
    assert db.session.scalars(select(Play)).all()[0].seq == body["play_id"]


def test_a_lost_play_lands_on_a_no_prize_cell(factory):
    campaign = factory.campaign(game="grid", prizes=prizes(4, probability=0.0))
    client = factory.signed_in(factory.player())
    layout = cells(campaign.prizes)
    for _ in range(3):
        body = client.post(f"/h5/{campaign.id}/play").json
        assert body["outcome"] == "lose"
        assert layout[body["cell"]]["prize_id"] is None


@pytest.mark.parametrize("count", [MAX_PRIZES + 1, 9, 12])
def test_more_prizes_than_the_grid_can_show_are_refused_naming_the_field(factory, client, count):
    token = factory.token()
    body = campaign_json(game="grid", prizes=prizes(count, probability=0.01))
    response = client.post("/api/campaigns", json=body, headers=bearer(token))
    assert response.status_code == 422
    assert response.json["fields"]["prizes"] == [TOO_MANY]
    assert db.session.scalars(select(Campaign)).all() == []


def test_the_admin_api_takes_a_grid_of_seven_prizes(factory, client):
    token = factory.token()
    body = campaign_json(game="grid", prizes=prizes(MAX_PRIZES, probability=0.1))
    response = client.post("/api/campaigns", json=body, headers=bearer(token))
    assert response.status_code == 201, response.json
    assert response.json["game"] == "grid"
    published = client.post(
        f"/api/campaigns/{response.json['id']}/status",
        json={"status": "live"},
        headers=bearer(token),
    )
    assert published.status_code == 200, published.json


def test_turning_a_wheel_with_eight_prizes_into_a_grid_is_refused(factory, client):
    token = factory.token()
    body = campaign_json(game="wheel", prizes=prizes(8, probability=0.01))
    created = client.post("/api/campaigns", json=body, headers=bearer(token)).json
    response = client.patch(
        f"/api/campaigns/{created['id']}", json={"game": "grid"}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json["fields"]["prizes"] == [TOO_MANY]
    assert db.session.get(Campaign, created["id"]).game == "wheel"


def test_the_page_lays_out_eight_cells_round_the_draw_button(factory):
    campaign = factory.campaign(
        game="grid",
        prizes=[
            {
                "name": "手机 Phone",
                "stock": 1,
                "probability": 0.1,
                "image_url": "https://img.example.com/phone.png",
            },
            {
                "name": "积分 Points",
                "stock": 9,
                "probability": 0.1,
                "image_url": "javascript:alert(1)",
            },
        ],
    )
    html = factory.signed_in(factory.player()).get(f"/h5/{campaign.id}/").get_data(as_text=True)
    found = re.findall(r'<div class="grid-cell (is-prize|is-blank)" data-cell="(\d)">', html)
    assert [int(i) for _, i in found] == list(range(CELLS))
    assert [kind for kind, _ in found].count("is-prize") == 2
    assert html.count("谢谢参与") >= CELLS - 2
    assert '<button type="button" class="grid-go" id="draw">抽奖</button>' in html
    assert 'src="https://img.example.com/phone.png"' in html
    board = html[html.index('class="grid-board"') : html.index('id="draw"')]
    assert board.count("<img ") == 1 and "javascript:" not in board  # unsafe URLs never shown
    assert "/grid.js" in html


def test_the_demo_seeds_a_grid_campaign_the_admin_schema_accepts(app, redis, clock):
    for data in demo_campaigns(clock.now()):
        CampaignIn().load(
            {
                **data,
                "starts_at": data["starts_at"].isoformat(),
                "ends_at": data["ends_at"].isoformat(),
            }
        )
    seeded = seed_demo(db.session, redis, clock.now())
    grids = [c for c in seeded if c.game == "grid"]
    assert len(grids) == 1 and grids[0].status == "live"
    assert 1 < len(grids[0].prizes) <= MAX_PRIZES


def test_the_report_counts_a_grid_campaigns_plays(factory, client):
    campaign = factory.campaign(game="grid", prizes=[{"name": "Pen", "stock": 1, "probability": 1}])
    player = factory.signed_in(factory.player())
    outcomes = [player.post(f"/h5/{campaign.id}/play").json["outcome"] for _ in range(3)]
    assert outcomes == ["win", "lose", "lose"]  # one win per player
    token = factory.token("analyst")
    report = client.get(f"/api/campaigns/{campaign.id}/report", headers=bearer(token)).json
    assert report["campaign"]["game"] == "grid"
    assert (report["funnel"]["plays"], report["funnel"]["wins"]) == (3, 1)
    assert [(p["name"], p["wins"], p["stock_left"]) for p in report["prizes"]] == [("Pen", 1, 0)]
