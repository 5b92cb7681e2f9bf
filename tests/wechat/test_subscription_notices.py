"""Subscription notices (订阅通知) and claim reminders through the sandbox and a real server:
the phone answers the win screen's popup as WeChat does (signed subscribe_msg_popup_event XML to
the app server's /wechat), the consent lands in SQL once; shipping notices and claim reminders
then go by bizsend to a consenting player, follower or not, by template message to a follower
without consent, and when WeChat answers 43101 (turned off, the change event lost) the
withdrawal is recorded and the template message tried instead. A reminder is sent once however
often the sweep and its jobs run."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from campaigns.core import queues
from campaigns.jobs import schedule
from campaigns.models import Claim, ClaimReminder, NoticeConsent
from campaigns.web.extensions import db
from campaigns.wechat import reminders
from tests.prizes.helpers import ADDRESS, auth, win_of
from tests.sandbox_client import wait_for
from tests.wechat import samples

BIZSEND = "cgi-bin/message/subscribe/bizsend"
TEMPLATE = "sandbox-subscribe-template"  # the sandbox account's subscription template
PRIZES = [
    {"name": "Mug", "kind": "goods", "stock": 10, "probability": 0.1, "claim_days": 7},
    {"name": "Coupon", "stock": 10, "probability": 0.1, "claim_days": 7},
    {"name": "Sticker", "kind": "goods", "stock": 10, "probability": 0.1, "claim_days": 2},
]


def consent(openid: str) -> NoticeConsent | None:
    db.session.expire_all()
    return db.session.scalar(select(NoticeConsent).where(NoticeConsent.openid == openid))


@pytest.fixture
def winner(factory, clock, sandbox):
    """A goods win, by a player who does not follow; returns (campaign, player, win)."""
    campaign = factory.campaign(prizes=PRIZES)
    player = factory.player(f"o-sub-{factory.player().id:05d}")
    win = win_of(campaign, campaign.prizes[0], player, clock.now())
    return campaign, player, win


def accept(sandbox, openid: str) -> None:
    """The player taps the win screen's button and accepts WeChat's popup."""
    answered = sandbox.phone(openid, "subscribe_popup", template_id=TEMPLATE, accept=True)
    assert answered["status"] == 200, answered
    assert answered["subscriptions"] == {TEMPLATE: "accept"}
    wait_for(lambda: consent(openid) is not None)


def ship(factory, client, campaign, win, tracking: str) -> None:
    factory.signed_in(win.player).post(f"/h5/{campaign.id}/wins/{win.id}/claim", json=ADDRESS)
    row = [{"code": win.code, "courier": "SF", "tracking_number": tracking}]
    shipped = client.post(
        f"/api/campaigns/{campaign.id}/shipments", json=row, headers=auth(factory.token("marketer"))
    )
    assert shipped.status_code == 200 and shipped.json["shipped"] == 1, shipped.json


def shipping(win_id: int) -> Claim:
    db.session.expire_all()
    return db.session.scalar(select(Claim).where(Claim.win_id == win_id))


def test_the_popups_answer_is_recorded_once_and_a_later_turn_off_withdraws_it(
    sandbox, factory, app_server
):
    openid = factory.player().openid
    accept(sandbox, openid)
    stored = consent(openid)
    assert (stored.template_id, stored.status, stored.source) == (TEMPLATE, "accept", "popup")
    # WeChat's retry of one event (same sender, CreateTime and event) is handled once: signed
    # as WeChat signs, posted twice to the real server.
    at = int(samples.now())
    reject = samples.event(openid, "subscribe_msg_change_event", at=at).replace(
        "</xml>",
        "<SubscribeMsgChangeEvent><List><TemplateId><![CDATA[sandbox-subscribe-template]]>"
        "</TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>"
        "</List></SubscribeMsgChangeEvent></xml>",
    )
    for _ in range(2):
        path, body = samples.plain_request(reject)
        assert requests.post(app_server.url + path, data=body, timeout=10).status_code == 200
    stored = consent(openid)
    assert (stored.status, stored.source) == ("reject", "change")
    assert db.session.scalar(select(NoticeConsent.id).where(NoticeConsent.openid == openid))
    assert len(db.session.scalars(select(NoticeConsent)).all()) == 1
    # An older event arriving late (a retry from before the change) does not bring it back.
    late = samples.event(openid, "subscribe_msg_popup_event", at=at - 60).replace(
        "</xml>",
        "<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[sandbox-subscribe-template]]>"
        "</TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>"
        "<PopupScene>1</PopupScene></List></SubscribeMsgPopupEvent></xml>",
    )
    path, body = samples.plain_request(late)
    assert requests.post(app_server.url + path, data=body, timeout=10).status_code == 200
    assert consent(openid).status == "reject"


def test_a_sent_event_saying_the_user_refused_withdraws_the_consent(sandbox, factory, app_server):
    """subscribe_msg_sent_event reports each bizsend's fate: success leaves the consent, 43101
    (the player refused it) withdraws it."""
    openid = factory.player().openid
    accept(sandbox, openid)

    def sent_event(code: str, status: str, at: int) -> str:
        return samples.event(openid, "subscribe_msg_sent_event", at=at).replace(
            "</xml>",
            "<SubscribeMsgSentEvent><List><TemplateId><![CDATA[sandbox-subscribe-template]]>"
            f"</TemplateId><MsgID>1700000001</MsgID><ErrorCode>{code}</ErrorCode>"
            f"<ErrorStatus><![CDATA[{status}]]></ErrorStatus></List></SubscribeMsgSentEvent></xml>",
        )

    at = int(samples.now()) + 1
    for code, status, expected in (("0", "success", "accept"), ("43101", "failed", "reject")):
        path, body = samples.plain_request(sent_event(code, status, at))
        assert requests.post(app_server.url + path, data=body, timeout=10).status_code == 200
        assert consent(openid).status == expected
        at += 1
    assert consent(openid).source == "refused"


def test_a_consenting_non_follower_is_told_of_the_shipment_by_subscription_notice(
    winner, sandbox, factory, client, run_jobs
):
    campaign, player, win = winner
    accept(sandbox, player.openid)
    ship(factory, client, campaign, win, "SF7001")
    run_jobs()
    [sent] = sandbox.sent_subscribe()
    body = sent["body"]
    assert body["touser"] == player.openid and body["template_id"] == TEMPLATE
    assert body["page"] == f"http://testserver/h5/{campaign.id}/prizes"
    assert body["data"]["thing1"] == {"value": "Mug 已发货"}
    assert body["data"]["character_string2"] == {"value": "SF7001"}
    assert sandbox.sent_templates() == []  # not a follower: a template message would not reach
    claim = shipping(win.id)
    assert (claim.shipping_notice, claim.shipping_channel) == ("sent", "subscribe")


def test_a_follower_without_consent_gets_a_template_message_and_a_stranger_nothing(
    winner, sandbox, factory, client, run_jobs, clock
):
    campaign, player, win = winner
    follower = factory.player()
    sandbox.set_follower(follower.openid, True)
    theirs = win_of(campaign, campaign.prizes[0], follower, clock.now())
    ship(factory, client, campaign, theirs, "SF7002")
    ship(factory, client, campaign, win, "SF7003")
    run_jobs()
    assert sandbox.sent_subscribe() == [] and sandbox.calls(BIZSEND) == []  # nobody consented
    [sent] = sandbox.sent_templates()
    assert sent["body"]["touser"] == follower.openid and "SF7002" in str(sent["body"]["data"])
    assert (shipping(theirs.id).shipping_notice, shipping(theirs.id).shipping_channel) == (
        "sent",
        "template",
    )
    # Neither consent nor follow: WeChat's 43004 is recorded, nothing retried.
    assert shipping(win.id).shipping_notice == "failed: not following"


@pytest.mark.parametrize("follows", [True, False])
def test_consent_turned_off_in_wechat_falls_back_to_a_template_message_and_is_recorded(
    follows, winner, sandbox, factory, client, run_jobs
):
    """The player turned the notices off in WeChat and the change event never reached the
    server: bizsend answers 43101, the withdrawal is stored, a follower still gets the template
    message, anyone else nothing (recorded); the next notice does not try bizsend again."""
    campaign, player, win = winner
    accept(sandbox, player.openid)
    sandbox.set_subscription(player.openid, TEMPLATE, accept=False)
    if follows:
        sandbox.set_follower(player.openid, True)
    ship(factory, client, campaign, win, "SF7004")
    run_jobs()
    assert [c["errcode"] for c in sandbox.calls(BIZSEND)] == [43101]
    stored = consent(player.openid)
    assert (stored.status, stored.source) == ("reject", "refused")
    claim = shipping(win.id)
    if follows:
        assert (claim.shipping_notice, claim.shipping_channel) == ("sent", "template")
        assert len(sandbox.sent_templates()) == 1
    else:
        assert claim.shipping_notice == "failed: not following"
        assert sandbox.sent_templates() == []
    # A corrected tracking number is a second notice: straight to the template message.
    ship_again = [{"code": win.code, "courier": "SF", "tracking_number": "SF7005"}]
    client.post(
        f"/api/campaigns/{campaign.id}/shipments",
        json=ship_again,
        headers=auth(factory.token("marketer")),
    )
    run_jobs()
    assert len(sandbox.calls(BIZSEND)) == 1


def remind_sweeps(run_jobs, times: int) -> None:
    """The scheduled sweep, run ``times`` times with its jobs (at-least-once, so twice too)."""
    for _ in range(times):
        queues.queue().enqueue(schedule.sweep_in_flight)
        run_jobs()


def reminder(win_id: int) -> ClaimReminder | None:
    db.session.expire_all()
    return db.session.scalar(select(ClaimReminder).where(ClaimReminder.win_id == win_id))


def test_a_claim_reminder_is_sent_once_days_before_the_deadline(
    winner, sandbox, factory, run_jobs, clock, redis
):
    """Goods not claimed and a code not redeemed, 7 days to act: reminded once, 2 days before
    the deadline (CLAIM_REMINDER_DAYS), by subscription notice to the consenting player, by
    template message to a follower; a claimed win, a redeemed one and a 2-day prize get none."""
    campaign, player, goods = winner
    accept(sandbox, player.openid)
    follower, claimed_by, redeemer, short = factory.players(4)
    sandbox.set_follower(follower.openid, True)
    code_win = win_of(campaign, campaign.prizes[1], follower, clock.now())
    claimed = win_of(campaign, campaign.prizes[0], claimed_by, clock.now())
    factory.signed_in(claimed_by).post(f"/h5/{campaign.id}/wins/{claimed.id}/claim", json=ADDRESS)
    redeemed = win_of(campaign, campaign.prizes[1], redeemer, clock.now())
    marketer = auth(factory.token("marketer"))
    assert factory.app.test_client().post(
        f"/api/redemptions/{redeemed.code}", headers=marketer
    ).status_code in (200, 201)
    two_days = win_of(campaign, campaign.prizes[2], short, clock.now())

    clock.advance(days=5, minutes=-1)
    remind_sweeps(run_jobs, 1)
    assert reminder(goods.id) is None and sandbox.sent_subscribe() == []  # not yet due
    clock.advance(minutes=2)  # inside the last 2 days
    remind_sweeps(run_jobs, 2)
    reminders.sweep(db.session, clock.now(), 2)  # a stray extra sweep and job: still once
    queues.enqueue(
        reminders.send_reminder, goods.id, queue_name=queues.NOTICES, job_id="stray-reminder"
    )
    run_jobs()
    [by_subscription] = sandbox.sent_subscribe()
    assert by_subscription["body"]["touser"] == player.openid
    assert by_subscription["body"]["data"]["thing1"] == {"value": "Mug 待领取"}
    assert by_subscription["body"]["data"]["character_string2"] == {"value": goods.code}
    assert by_subscription["body"]["data"]["time3"] == {"value": "2026年9月27日 11:00"}
    [by_template] = reminded_by_template(sandbox)  # (the sweep sends the wins' own notices too)
    assert by_template["body"]["touser"] == follower.openid
    assert code_win.code in str(by_template["body"]["data"])
    assert (reminder(goods.id).status, reminder(goods.id).channel) == ("sent", "subscribe")
    assert (reminder(code_win.id).status, reminder(code_win.id).channel) == ("sent", "template")
    for none in (claimed, redeemed, two_days):
        assert reminder(none.id) is None
    # After the deadline nothing more is found (the win has expired).
    clock.advance(days=3)
    remind_sweeps(run_jobs, 1)
    assert len(sandbox.sent_subscribe()) == 1 and len(reminded_by_template(sandbox)) == 1


def reminded_by_template(sandbox) -> list[dict]:
    return [t for t in sandbox.sent_templates() if "待领取" in str(t["body"]["data"])]
