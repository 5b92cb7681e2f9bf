"""CSV exports parse back to the same rows; redemption is once only; analysts cannot write;
bad input is refused with the field named; every endpoint is in the OpenAPI document."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.campaigns.test_reports import add_play

FORMULA_PRIZE = '=HYPERLINK("http://evil")'


@pytest.fixture
def played(factory, clock):
    campaign = factory.campaign(
        prizes=[
            {"name": FORMULA_PRIZE, "stock": 5, "probability": 0.1},
            {"name": "优惠券 Coupon", "stock": 5, "probability": 0.1},
        ]
    )
    players = [factory.player(f"o-export-{i:04d}") for i in range(3)]
    add_play(
        campaign, players[0], 1, "2026-09-20T02:10", "2026-09-20", "win", campaign.prizes[0], True
    )
    add_play(campaign, players[1], 2, "2026-09-20T02:20", "2026-09-20", "lose", None, True)
    add_play(
        campaign, players[2], 3, "2026-09-20T02:30", "2026-09-20", "win", campaign.prizes[1], True
    )
    db.session.commit()
    return campaign


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def parse(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_winners_csv_round_trip(played, factory, client):
    response = client.get(
        f"/api/campaigns/{played.id}/winners.csv", headers=auth(factory.token("analyst"))
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    header, *rows = parse(response)
    assert header == [
        "won_at",
        "prize",
        "code",
        "winner",
        "redeemed_at",
        "redeemed_by",
        "notice_status",
    ]
    wins = db.session.scalars(select(Win).order_by(Win.id)).all()
    assert [r[2] for r in rows] == [w.code for w in wins]
    assert rows[0][1] == "'" + FORMULA_PRIZE  # a spreadsheet will not run it
    assert rows[1][1] == "优惠券 Coupon"
    assert rows[0][3] == "o-ex***0000"
    assert rows[0][0] == "2026-09-20T10:10:00+08:00"
    assert rows[0][6] == wins[0].notice_status


def test_plays_csv_round_trip(played, factory, client):
    response = client.get(
        f"/api/campaigns/{played.id}/plays.csv", headers=auth(factory.token("analyst"))
    )
    header, *rows = parse(response)
    assert header == ["seq", "played_at", "day", "player", "outcome", "eligible", "prize"]
    plays = db.session.scalars(select(Play).order_by(Play.seq)).all()
    assert [(int(r[0]), r[2], r[3], r[4]) for r in rows] == [
        (p.seq, p.day, p.pseudonym, p.outcome) for p in plays
    ]
    assert rows[1][6] == "" and rows[2][6] == "优惠券 Coupon"


def test_csv_escapes_every_formula_start():
    from campaigns.reports.exports import escape

    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert escape(cell) == "'" + cell
    assert escape("plain") == "plain" and escape(None) == "" and escape(7) == "7"


def test_redeem_once_then_409_with_when_and_by_whom(played, factory, client):
    code = db.session.scalars(select(Win.code).order_by(Win.id)).first()
    token = factory.token("marketer")
    first = client.post(f"/api/redemptions/{code.lower().replace('-', '')}", headers=auth(token))
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["redeemed"] is True and body["winner"] == "o-ex***0000"
    again = client.post(f"/api/redemptions/{code}", headers=auth(token))
    assert again.status_code == 409
    error = again.get_json()
    assert error["error"] == "already_redeemed"
    # When, as the desk's staff read it: minutes in the campaign's zone (Asia/Shanghai here).
    when = datetime.fromisoformat(body["redeemed_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"at {when:%Y-%m-%d %H:%M} by token:" in error["message"]
    assert client.get(f"/api/redemptions/{code}", headers=auth(token)).get_json()["redeemed"]


def test_bad_codes_and_queries_name_the_field(played, factory, client):
    token = factory.token("marketer")
    bad = client.post("/api/redemptions/not-a-code", headers=auth(token))
    assert bad.status_code == 422 and "code" in bad.get_json()["fields"]
    unknown = client.post("/api/redemptions/AAAA-BBBB-CCCC-DDDD", headers=auth(token))
    assert unknown.status_code == 404 and "code" in unknown.get_json()["fields"]
    for query, field in (
        ("plays=0", "plays"),
        ("plays=x", "plays"),
        ("plays_per_day=-1", "plays_per_day"),
    ):
        response = client.get(f"/api/campaigns/{played.id}/simulation?{query}", headers=auth(token))
        assert response.status_code == 422 and field in response.get_json()["fields"], query


def test_simulation_endpoint_writes_nothing(played, factory, client):
    before = db.session.scalar(select(db.func.count()).select_from(Play))
    response = client.get(
        f"/api/campaigns/{played.id}/simulation?plays=2000&plays_per_day=1000",
        headers=auth(factory.token("analyst")),
    )
    assert response.status_code == 200
    assert response.get_json()["plays"] == 2000
    assert db.session.scalar(select(db.func.count()).select_from(Play)) == before


def test_analyst_cannot_write_anything_in_the_api(played, factory, client):
    token = factory.token("analyst")
    code = db.session.scalars(select(Win.code)).first()
    writes = [
        ("post", "/api/campaigns", {"name": "x"}),
        ("patch", f"/api/campaigns/{played.id}", {"name": "x"}),
        ("post", f"/api/campaigns/{played.id}/status", {"status": "paused"}),
        ("post", f"/api/redemptions/{code}", None),
    ]
    for method, path, body in writes:
        response = getattr(client, method)(path, json=body, headers=auth(token))
        assert response.status_code == 403, (method, path, response.get_json())
    db.session.expire_all()
    assert db.session.scalars(select(Win.redeemed_at)).all() == [None, None]
    assert played.status == "live" and played.name == "Mid-Autumn wheel"


def test_openapi_lists_report_endpoints_and_docs_page(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/campaigns/{campaign_id}/report",
        "/api/campaigns/{campaign_id}/winners.csv",
        "/api/campaigns/{campaign_id}/plays.csv",
        "/api/campaigns/{campaign_id}/simulation",
        "/api/redemptions/{code}",
    ):
        assert path in paths, path
    assert "post" in paths["/api/redemptions/{code}"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    page = docs.get_data(as_text=True)
    assert "/static/console/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "<script>" not in page  # no inline script: the CSP would refuse it
    assert client.get("/static/console/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
