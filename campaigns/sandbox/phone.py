"""The phone page: a person (or a test) acts as a follower, and the sandbox posts the event to
``/wechat`` as WeChat would, then shows the reply."""

from __future__ import annotations

import secrets

from flask import render_template, request
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from campaigns.extensions import db, redis_clients
from campaigns.models import Campaign
from campaigns.sandbox import blueprint, events, state
from campaigns.wechat.clients import current_settings
from campaigns.wechat.qr import scene_for

ACTIONS = ("follow", "unfollow", "scan", "click", "view", "text")


class PhoneAction(Schema):
    openid = fields.String(required=True, validate=validate.Regexp(events.OPENID))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    scene = fields.String(validate=validate.Length(max=64))  # follow/scan through a QR code
    key = fields.String(validate=validate.Length(max=128))  # CLICK menu key
    url = fields.String(validate=validate.Length(max=1024))  # VIEW menu URL
    text = fields.String(validate=validate.Length(min=1, max=600))


@blueprint.get("/phone")
def phone_page():
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.status == "live").order_by(Campaign.id)
    ).all()
    return render_template(
        "sandbox/phone.html",
        campaigns=[
            {"id": c.id, "name": c.name, "keyword": c.keyword, "scene": scene_for(c.id)}
            for c in campaigns
        ],
        menu=state.load_menu(redis_clients.main) or {"button": []},
        openid=request.args.get("openid") or "o-sandbox-" + secrets.token_hex(6),
        scene=request.args.get("scene", ""),
    )


@blueprint.post("/phone/send")
def phone_send():
    data = PhoneAction().load(request.get_json(silent=True) or {})
    return act(redis_clients.main, data)


def act(redis, data: dict) -> dict:
    """One follower action: update the sandbox's follower list, post the event, return what
    the callback answered."""
    settings = current_settings()
    openid, action = data["openid"], data["action"]
    moment = state.event_time(redis, openid)
    scene = data.get("scene")
    if action == "follow" or (action == "scan" and not state.is_follower(redis, openid)):
        # Scanning a code without following is a follow through that code (qrscene_).
        state.follow(redis, openid)
        key = f"qrscene_{scene}" if scene else None
        xml = events.event_xml(openid, moment, "subscribe", key, Ticket=_ticket(redis, scene))
    elif action == "unfollow":
        state.unfollow(redis, openid)
        xml = events.event_xml(openid, moment, "unsubscribe")
    elif action == "scan":
        xml = events.event_xml(openid, moment, "SCAN", scene or "", Ticket=_ticket(redis, scene))
    elif action == "click":
        xml = events.event_xml(openid, moment, "CLICK", data.get("key", ""))
    elif action == "view":
        xml = events.event_xml(openid, moment, "VIEW", data.get("url", ""))
    else:
        xml = events.text_xml(openid, moment, data.get("text", ""), state.next_msgid(redis))
    return events.post_event(settings, xml)


def _ticket(redis, scene: str | None) -> str | None:
    return state.ticket_for(redis, scene) if scene else None
