"""Cash prizes paid as WeChat Pay red packets by a job, against the sandbox's pay endpoint (its
signature check and failures): one bill number per win, reused by every retry, so a SYSTEMERROR
after the money moved never pays twice; a refusal that stands is failed, shown to the player
and the marketer, and the marketer's retry pays it."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from campaigns.core import services
from campaigns.models import Payout
from campaigns.prizes import cash
from campaigns.web.extensions import db
from tests.prizes.helpers import auth, win_of

pytestmark = pytest.mark.one_database  # WeChat Pay's side; the SQL is the same on both

RED_PACKET = [
    {"name": "Red packet", "kind": "cash", "amount_fen": 500, "stock": 9, "probability": 0.1}
]


@pytest.fixture
def pay_sandbox(wechat_sandbox):
    return wechat_sandbox


def redpacks(handle) -> dict:
    return requests.get(f"{handle.url}/control/redpacks", timeout=10).json()["redpacks"]


def sweep_and_work(run_jobs) -> None:
    cash.enqueue_due(db.session, services.settings(), services.now())
    run_jobs()
    db.session.expire_all()


def test_red_packets_are_paid_once_through_failures(pay_sandbox, factory, clock, client, run_jobs):
    campaign = factory.campaign(prizes=RED_PACKET)
    prize = campaign.prizes[0]
    players = factory.players(3)
    wins = [win_of(campaign, prize, p, clock.now()) for p in players]
    pay_sandbox.fail(cash.ENDPOINT, "PAID_SYSTEMERROR")  # the first is paid, but told otherwise
    sweep_and_work(run_jobs)
    payouts = {p.win_id: p for p in db.session.scalars(select(Payout))}
    assert len(payouts) == 3 and len(redpacks(pay_sandbox)) == 3
    assert payouts[wins[0].id].status == "pending" and "SYSTEMERROR" in payouts[wins[0].id].error
    assert {payouts[w.id].status for w in wins[1:]} == {"paid"}
    first_bill = payouts[wins[0].id].bill_no
    assert len(first_bill) == 28 and first_bill.endswith(f"{wins[0].id:010d}")

    pay_sandbox.fail(cash.ENDPOINT, "NOTENOUGH")  # the retry of the first: a refusal
    sweep_and_work(run_jobs)
    first = db.session.scalar(select(Payout).where(Payout.win_id == wins[0].id))
    assert (first.status, first.attempts) == ("failed", 2) and first.error.startswith("NOTENOUGH")
    listed = factory.signed_in(players[0]).get(f"/h5/{campaign.id}/wins").json["wins"]
    assert listed[0]["status"] == "failed"
    token = factory.token("marketer")
    seen = client.get(
        f"/api/campaigns/{campaign.id}/payouts", headers=auth(factory.token("analyst"))
    )
    assert [p["status"] for p in seen.json["payouts"]].count("failed") == 1
    retry = f"/api/campaigns/{campaign.id}/payouts/{wins[0].id}/retry"
    assert client.post(retry, headers=auth(factory.token("analyst"))).status_code == 403
    again = client.post(retry, headers=auth(token))
    assert again.status_code == 200 and again.json["status"] == "pending"
    run_jobs()
    db.session.expire_all()
    first = db.session.scalar(select(Payout).where(Payout.win_id == wins[0].id))
    assert first.status == "paid" and first.bill_no == first_bill
    packets = redpacks(pay_sandbox)
    assert len(packets) == 3 and packets[first_bill]["total_amount"] == 500  # paid once
    assert client.post(retry, headers=auth(token)).json["status"] == "paid"  # nothing more
    sweep_and_work(run_jobs)
    assert len(redpacks(pay_sandbox)) == 3
    calls = pay_sandbox.calls(cash.ENDPOINT)
    assert len(calls) == 5  # three, the first's two retries; a paid bill is never sent again


def test_a_wrong_merchant_key_is_refused_by_the_signature_check(
    pay_sandbox, factory, clock, run_jobs, app
):
    campaign = factory.campaign(prizes=RED_PACKET)
    win_of(campaign, campaign.prizes[0], factory.player(), clock.now())
    app.config["WECHAT_PAY_API_KEY"] = "not-the-merchants-key-0000000000"
    sweep_and_work(run_jobs)
    payout = db.session.scalar(select(Payout))
    assert payout.status == "failed" and "签名错误" in payout.error
    assert redpacks(pay_sandbox) == {}
