"""Prize kinds through the admin API (checked per kind, frozen once published), and wins that
expire past their prize's claim_days, by the idempotent job and in the player's view."""

from __future__ import annotations

from campaigns.core import services
from campaigns.models import Win
from campaigns.prizes import expiry
from campaigns.web.extensions import db
from tests.prizes.helpers import KINDS, auth, win_of


def test_kinds_are_stored_shown_and_checked(factory, client):
    token = factory.token("marketer")
    body = factory.campaign_data(prizes=KINDS)
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in body.items()}
    made = client.post("/api/campaigns", json=body, headers=auth(token))
    assert made.status_code == 201, made.json
    prizes = made.json["prizes"]
    assert [(p["kind"], p["amount_fen"], p["claim_days"]) for p in prizes] == [
        ("goods", None, 7),
        ("cash", 500, None),
        ("code", None, 3),
    ]
    for prize, field in (
        ({"name": "X", "kind": "cash", "stock": 1, "probability": 0.1}, "amount_fen"),
        ({"name": "X", "kind": "cash", "amount_fen": 50, "stock": 1, "probability": 0.1}, None),
        ({"name": "X", "amount_fen": 500, "stock": 1, "probability": 0.1}, "amount_fen"),
        ({"name": "X", "kind": "gold", "stock": 1, "probability": 0.1}, "kind"),
    ):
        bad = client.post("/api/campaigns", json={**body, "prizes": [prize]}, headers=auth(token))
        assert bad.status_code == 422, bad.json
        assert (
            "amount_fen" in str(bad.json["fields"])
            if field is None
            else field in str(bad.json["fields"])
        )
    campaign_id = made.json["id"]
    live = client.post(
        f"/api/campaigns/{campaign_id}/status", json={"status": "live"}, headers=auth(token)
    )
    assert live.status_code == 200, live.json
    sent = [{k: v for k, v in p.items() if k != "awarded"} for p in prizes]
    sent[1]["amount_fen"] = 800
    frozen = client.patch(
        f"/api/campaigns/{campaign_id}", json={"prizes": sent}, headers=auth(token)
    )
    assert frozen.status_code == 409 and "prizes.1.amount_fen" in frozen.json["fields"]
    sent[1]["amount_fen"], sent[1]["stock"] = 500, 20  # stock still may rise
    raised = client.patch(
        f"/api/campaigns/{campaign_id}", json={"prizes": sent}, headers=auth(token)
    )
    assert raised.status_code == 200 and raised.json["prizes"][1]["stock"] == 20
    simulated = client.get(
        f"/api/campaigns/{campaign_id}/simulation?plays=100", headers=auth(token)
    )
    assert [p["kind"] for p in simulated.json["prizes"]] == ["goods", "cash", "code"]


def test_unredeemed_and_unclaimed_wins_expire(factory, client, clock):
    campaign = factory.campaign(prizes=KINDS)
    goods, cash, code = campaign.prizes
    player = factory.player()
    wins = [win_of(campaign, prize, player, clock.now()) for prize in (goods, cash, code)]
    signed = factory.signed_in(player)
    token = factory.token("marketer")

    def statuses():
        listed = signed.get(f"/h5/{campaign.id}/wins").json["wins"]
        return {w["prize"]["name"]: (w["status"], w["deadline"]) for w in listed}

    before = statuses()
    assert before["Mug"][0] == "unclaimed" and before["Coupon"][0] == "open"
    assert before["Red packet"] == ("paying", None)
    clock.advance(days=4)  # past the coupon's 3 days, within the mug's 7
    assert statuses()["Coupon"][0] == "expired"  # seen at once, before the job runs
    assert expiry.expire(db.session, services.now()) == 1
    assert expiry.expire(db.session, services.now()) == 0  # idempotent
    db.session.expire_all()
    assert db.session.get(Win, wins[2].id).expired_at is not None
    refused = client.post(f"/api/redemptions/{wins[2].code}", headers=auth(token))
    assert refused.status_code == 409 and refused.json["error"] == "claim_expired"
    clock.advance(days=4)
    assert expiry.expire(db.session, services.now()) == 1  # the unclaimed mug
    after = statuses()
    assert after["Mug"][0] == "expired" and after["Red packet"][0] == "paying"
    late = signed.post(f"/h5/{campaign.id}/wins/{wins[0].id}/claim", json={})
    assert late.status_code == 409 and late.json["error"] == "claim_expired"
    clock.advance(days=-20)  # the job's mark stays whatever the clock says
    assert statuses()["Mug"][0] == "expired"
