"""The message callback with WeChat's XML samples, in plain and safe (AES) mode."""

from __future__ import annotations

import pytest
import xmltodict
from sqlalchemy import select

from campaigns.models import FollowEvent
from campaigns.web.extensions import db
from tests.wechat import samples


@pytest.fixture(params=["plain", "safe"])
def mode(request, app):
    app.config["WECHAT_MESSAGE_MODE"] = request.param
    if request.param == "safe":
        app.config["WECHAT_AES_KEY"] = samples.AES_KEY
    return request.param


def post(client, mode: str, xml: str):
    wrap = samples.safe_request if mode == "safe" else samples.plain_request
    url, body = wrap(xml)
    response = client.post(url, data=body, content_type="text/xml")
    reply = response.get_data(as_text=True)
    if mode == "safe" and reply.startswith("<xml"):
        reply = samples.open_safe_reply(reply)
    return response, reply


def reply_content(reply: str) -> str | None:
    return xmltodict.parse(reply)["xml"]["Content"] if reply.startswith("<xml") else None


def events() -> list[tuple]:
    rows = db.session.scalars(select(FollowEvent).order_by(FollowEvent.id)).all()
    return [(e.openid, e.event, e.campaign_id, e.scene) for e in rows]


def test_get_echoes_echostr_when_signed(client):
    query = {
        "signature": samples.signature(samples.TOKEN, "1", "n"),
        "timestamp": "1",
        "nonce": "n",
    }
    response = client.get("/wechat", query_string={**query, "echostr": "hello-123"})
    assert response.status_code == 200 and response.get_data(as_text=True) == "hello-123"
    bad = client.get("/wechat", query_string={**query, "signature": "0" * 40, "echostr": "x"})
    assert bad.status_code == 403


def test_text_keyword_answers_with_the_game_link(client, factory, mode):
    campaign = factory.campaign(keyword="GO")
    response, reply = post(client, mode, samples.text("o-alice-0001", " go ", 1234567890123456))
    assert response.status_code == 200
    assert f"http://testserver/h5/{campaign.id}/" in reply_content(reply)
    _, wide = post(client, mode, samples.text("o-alice-0001", "ｇｏ", 1234567890123458))
    assert f"http://testserver/h5/{campaign.id}/" in reply_content(wide)  # full-width, folded
    _, other = post(client, mode, samples.text("o-alice-0001", "hello", 1234567890123457))
    assert f"/h5/{campaign.id}/" not in reply_content(other)  # the help, not a link


def test_plain_subscribe_is_a_follow_without_campaign(client, factory, mode):
    response, reply = post(client, mode, samples.event("o-bob-00001", "subscribe"))
    assert response.status_code == 200 and reply_content(reply) == "感谢关注！"  # the welcome
    assert events() == [("o-bob-00001", "subscribe", None, None)]


def test_subscribe_through_a_campaign_code_is_attributed_and_gets_the_link(client, factory, mode):
    campaign = factory.campaign()
    xml = samples.event(
        "o-carol-001", "subscribe", f"qrscene_campaign-{campaign.id}", Ticket="TICKET"
    )
    response, reply = post(client, mode, xml)
    assert response.status_code == 200
    assert f"/h5/{campaign.id}/" in reply_content(reply)
    assert events() == [("o-carol-001", "subscribe", campaign.id, f"campaign-{campaign.id}")]


def test_scan_by_a_follower_is_recorded_with_its_campaign(client, factory, mode):
    campaign = factory.campaign()
    xml = samples.event("o-dave-0001", "SCAN", f"campaign-{campaign.id}", Ticket="TICKET")
    _, reply = post(client, mode, xml)
    assert f"/h5/{campaign.id}/" in reply_content(reply)
    assert events() == [("o-dave-0001", "scan", campaign.id, f"campaign-{campaign.id}")]


def test_unsubscribe_is_charged_to_the_campaign_followed_through(client, factory, mode):
    campaign = factory.campaign()
    post(client, mode, samples.event("o-erin-0001", "subscribe", f"qrscene_campaign-{campaign.id}"))
    response, _ = post(client, mode, samples.event("o-erin-0001", "unsubscribe", at=1348831999))
    assert response.status_code == 200
    assert [e[1:3] for e in events()] == [("subscribe", campaign.id), ("unsubscribe", campaign.id)]


def test_click_and_view_menu_events_are_entries(client, factory, mode):
    campaign = factory.campaign()
    _, reply = post(client, mode, samples.event("o-fay-00001", "CLICK", f"campaign-{campaign.id}"))
    assert f"/h5/{campaign.id}/" in reply_content(reply)
    view = samples.event(
        "o-fay-00001", "VIEW", f"http://testserver/h5/{campaign.id}/", at=1348831861
    )
    response, _ = post(client, mode, view)
    assert response.status_code == 200
    assert [e[1:3] for e in events()] == [("click", campaign.id), ("view", campaign.id)]


def test_the_same_message_twice_is_stored_once_and_answered_the_same(client, factory, mode):
    campaign = factory.campaign()
    xml = samples.event("o-gus-00001", "subscribe", f"qrscene_campaign-{campaign.id}")
    first = post(client, mode, xml)[1]
    second = post(client, mode, xml)[1]
    assert reply_content(first) == reply_content(second) and f"/h5/{campaign.id}/" in first
    assert len(events()) == 1


@pytest.mark.parametrize("query", [{}, {"signature": "0" * 40, "timestamp": "1", "nonce": "n"}])
def test_missing_or_wrong_signature_is_403(client, query):
    response = client.post(
        "/wechat", query_string=query, data=samples.text("o-x-000001", "GO", 1).encode()
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert events() == []


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName>",
        b"not xml at all",
        b"<root><a>1</a></root>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        b"",
    ],
)
def test_malformed_xml_is_a_4xx(client, body):
    url, _ = samples.plain_request("")
    response = client.post(url, data=body, content_type="text/xml")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_safe_mode_refuses_plaintext(client, app):
    app.config.update(WECHAT_MESSAGE_MODE="safe", WECHAT_AES_KEY=samples.AES_KEY)
    url, body = samples.plain_request(samples.text("o-hal-00001", "GO", 77))
    assert client.post(url, data=body).status_code == 400
    assert events() == []


def test_safe_mode_refuses_a_forged_msg_signature(client, app):
    app.config.update(WECHAT_MESSAGE_MODE="safe", WECHAT_AES_KEY=samples.AES_KEY)
    url, body = samples.safe_request(samples.text("o-ivy-00001", "GO", 78))
    forged = url.replace("msg_signature=", "msg_signature=0")
    assert client.post(forged, data=body).status_code == 403
