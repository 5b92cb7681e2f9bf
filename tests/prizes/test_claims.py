"""A goods win's claim through the HTTP contract: only the winner's session reads or writes it,
each field is checked by name, it is editable until shipped; the warehouse export is the
marketer's only; the shipments upload marks claims shipped and queues the winner's notice;
the personal fields are sealed at rest, never in clear in the database file or the logs, and
purged after the campaign."""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from campaigns.core import services
from campaigns.models import Claim
from campaigns.prizes import claims
from campaigns.web.extensions import db
from campaigns.wechat import notices
from tests.prizes.helpers import ADDRESS, KINDS, auth, win_of


@pytest.fixture
def won(factory, clock):
    campaign = factory.campaign(prizes=KINDS)
    winner, other = factory.player(), factory.player()
    mug = win_of(campaign, campaign.prizes[0], winner, clock.now())
    coupon = win_of(campaign, campaign.prizes[2], winner, clock.now())
    return campaign, winner, other, mug, coupon


def test_a_claim_is_checked_private_and_editable_until_shipped(won, factory, client, app):
    campaign, winner, other, mug, coupon = won
    mine, theirs = factory.signed_in(winner), factory.signed_in(other)
    url = f"/h5/{campaign.id}/wins/{mug.id}/claim"
    assert client.post(url, json=ADDRESS).status_code == 401
    assert theirs.post(url, json=ADDRESS).status_code == 404  # another player's win
    for field, value in (("phone", "12345"), ("phone", "23912345678"), ("city", " ")):
        bad = mine.post(url, json={**ADDRESS, field: value})
        assert bad.status_code == 422 and list(bad.json["fields"]) == [field], bad.json
    assert mine.post(url, json={**ADDRESS, "email": "x"}).json["fields"] == {
        "email": ["Unknown field."]
    }
    code_win = mine.post(f"/h5/{campaign.id}/wins/{coupon.id}/claim", json=ADDRESS)
    assert code_win.status_code == 409
    made = mine.post(url, json={**ADDRESS, "phone": "+86 139-1234-5678"})
    assert made.status_code == 200, made.json
    assert made.json["status"] == "claimed" and made.json["claim"]["phone"] == "13912345678"
    edited = mine.post(url, json={**ADDRESS, "address": "科技园路 2 号"})
    assert edited.json["claim"]["address"] == "科技园路 2 号"
    assert "claim" not in str(theirs.get(f"/h5/{campaign.id}/wins").json)  # no wins of theirs

    marketer, analyst = factory.token("marketer"), factory.token("analyst")
    export = f"/api/campaigns/{campaign.id}/claims.csv"
    assert client.get(export, headers=auth(analyst)).status_code == 403
    response = client.get(export, headers=auth(marketer))
    header, *rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert header == claims.CSV_HEADER and len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert (row["code"], row["phone"], row["status"]) == (mug.code, "13912345678", "claimed")

    ship = f"/api/campaigns/{campaign.id}/shipments"
    bad_rows = [{"code": mug.code, "courier": "SF"}, {"code": coupon.code, "courier": "SF",
                                                      "tracking_number": "1"}]  # fmt: skip
    refused = client.post(ship, json=bad_rows, headers=auth(marketer))
    assert refused.status_code == 422
    assert set(refused.json["fields"]) == {"rows.0.tracking_number", "rows.1.code"}
    assert db.session.scalar(select(Claim.shipped_at)) is None  # nothing changed
    assert client.post(ship, json=[], headers=auth(analyst)).status_code == 403
    upload = f"code,courier,tracking_number\n{mug.code.lower()},顺丰,SF1234567890\n"
    shipped = client.post(
        ship, data=upload.encode(), content_type="text/csv", headers=auth(marketer)
    )
    assert shipped.status_code == 200 and shipped.json["shipped"] == 1, shipped.json
    again = client.post(ship, data=upload.encode(), content_type="text/csv", headers=auth(marketer))
    assert again.json["shipped"] == 0  # the same row twice tells the winner once
    listed = {w["id"]: w for w in mine.get(f"/h5/{campaign.id}/wins").json["wins"]}
    assert listed[mug.id]["status"] == "shipped"
    assert (listed[mug.id]["courier"], listed[mug.id]["tracking_number"]) == (
        "顺丰",
        "SF1234567890",
    )
    assert db.session.scalar(select(Claim.shipping_notice)) == "pending"
    late = mine.post(url, json=ADDRESS)
    assert late.status_code == 409 and late.json["fields"] == {"status": ["shipped"]}


@pytest.mark.one_database  # reads the SQLite file; PostgreSQL's claims are the same rows
def test_no_phone_number_in_clear_in_the_database_or_the_logs(
    won, factory, app, database_url, caplog
):
    campaign, winner, _, mug, _ = won
    caplog.set_level(logging.DEBUG)
    phone = "13987654321"
    mine = factory.signed_in(winner)
    assert mine.post(f"/h5/{campaign.id}/wins/{mug.id}/claim", json={**ADDRESS, "phone": phone})
    assert mine.get(f"/h5/{campaign.id}/wins").json["wins"][-1]["claim"]["phone"] == phone
    db.session.remove()
    db.engine.dispose()  # everything on disk: the file and any write-ahead log
    path = Path(database_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"13987654321" not in stored and "13987654321".encode("utf-16-le") not in stored
    assert db.session.scalar(select(Claim.sealed)) is not None  # the claim is there, sealed
    assert phone not in caplog.text
    logs = [p for p in Path(app.instance_path).rglob("*.log")]
    assert all(phone not in p.read_text(errors="replace") for p in logs)


def test_claims_are_purged_days_after_the_campaign_ends(won, factory, clock):
    campaign, winner, _, mug, _ = won
    factory.signed_in(winner).post(f"/h5/{campaign.id}/wins/{mug.id}/claim", json=ADDRESS)
    clock.set(campaign.ends_utc + timedelta(days=89))
    assert claims.purge(db.session, services.now(), 90) == 0
    clock.advance(days=1)
    assert claims.purge(db.session, services.now(), 90) == 1
    assert claims.purge(db.session, services.now(), 90) == 0
    claim = db.session.scalar(select(Claim))
    assert claim.sealed is None and claim.purged_at is not None


def test_a_campaign_ended_early_is_purged_days_after_it_actually_ended(won, factory, client, clock):
    """The marketer ends the campaign a day after it started, six days before its schedule:
    the 90 days count from that moment, not from the scheduled ``ends_at``."""
    campaign, winner, _, mug, _ = won
    factory.signed_in(winner).post(f"/h5/{campaign.id}/wins/{mug.id}/claim", json=ADDRESS)
    clock.advance(days=1)
    ended = client.post(
        f"/api/campaigns/{campaign.id}/status",
        json={"status": "ended"},
        headers=auth(factory.token("marketer")),
    )
    assert ended.status_code == 200, ended.json
    ended_at = clock.now()
    assert ended_at + timedelta(days=6) < campaign.ends_utc + timedelta(hours=1)
    clock.set(ended_at + timedelta(days=90) - timedelta(minutes=1))
    assert claims.purge(db.session, services.now(), 90) == 0
    clock.set(ended_at + timedelta(days=90))
    assert claims.purge(db.session, services.now(), 90) == 1  # days before ends_at + 90
    assert db.session.scalar(select(Claim.sealed)) is None


def test_a_campaign_ended_after_its_schedule_counts_from_its_schedule(won, factory, client, clock):
    """Ended by the marketer a week after ``ends_at`` passed: the campaign was over at
    ``ends_at`` already, so that is where the days start."""
    campaign, winner, _, mug, _ = won
    factory.signed_in(winner).post(f"/h5/{campaign.id}/wins/{mug.id}/claim", json=ADDRESS)
    clock.set(campaign.ends_utc + timedelta(days=7))
    client.post(
        f"/api/campaigns/{campaign.id}/status",
        json={"status": "ended"},
        headers=auth(factory.token("marketer")),
    )
    clock.set(campaign.ends_utc + timedelta(days=90))
    assert claims.purge(db.session, services.now(), 90) == 1


@pytest.mark.one_database  # WeChat's side; the SQL is the same on both
def test_the_winner_is_told_of_the_shipment_once(won, factory, client, wechat_sandbox, run_jobs):
    campaign, winner, _, mug, _ = won
    wechat_sandbox.set_follower(winner.openid, True)
    factory.signed_in(winner).post(f"/h5/{campaign.id}/wins/{mug.id}/claim", json=ADDRESS)
    row = [{"code": mug.code, "courier": "SF", "tracking_number": "SF9001"}]
    ship = f"/api/campaigns/{campaign.id}/shipments"
    assert client.post(ship, json=row, headers=auth(factory.token("marketer"))).status_code == 200
    run_jobs()
    notices.requeue_shipping(db.session)  # the sweep finds nothing left to send
    run_jobs()
    shipped = [t for t in wechat_sandbox.sent_templates() if "SF9001" in str(t["body"]["data"])]
    assert len(shipped) == 1 and shipped[0]["body"]["touser"] == winner.openid
    db.session.expire_all()
    assert db.session.scalar(select(Claim.shipping_notice)) == "sent"
