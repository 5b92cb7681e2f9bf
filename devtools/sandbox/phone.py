"""The phone page: one person per browser acts as a follower (follow, unfollow, scan a code the
sandbox issued, tap the account's menu, send a message, answer a subscription notice popup or
turn those notices off), the sandbox posts the event to the
account's callback as WeChat would and shows the reply; a menu view button or a link in a reply
opens the page inside the phone, as WeChat's in-app browser does."""

from __future__ import annotations

from flask import make_response, render_template, request
from marshmallow import Schema, fields, validate

from devtools.sandbox import events, person, state
from devtools.sandbox.blueprint import blueprint
from devtools.sandbox.config import current_settings

ACTIONS = (
    "follow",
    "unfollow",
    "scan",
    "click",
    "view",
    "text",
    "subscribe_popup",
    "subscribe_off",
)


class PhoneAction(Schema):
    openid = fields.String(required=True, validate=validate.Regexp(events.OPENID))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    scene = fields.String(validate=validate.Length(max=64))  # follow/scan through a QR code
    key = fields.String(validate=validate.Length(max=128))  # CLICK menu key
    url = fields.String(validate=validate.Length(max=1024))  # VIEW menu URL
    text = fields.String(validate=validate.Length(min=1, max=600))
    # subscribe_popup (answer a wx-open-subscribe popup) and subscribe_off (turn the notices
    # off in WeChat's settings): the template, and the popup's answer
    template_id = fields.String(validate=validate.Length(min=1, max=128))
    accept = fields.Boolean(load_default=True)


class PersonIn(Schema):
    """Who the browser plays from now on (left out: a new person)."""

    openid = fields.String(validate=validate.Regexp(events.OPENID))


@blueprint.get("/phone")
def phone_page():
    redis = state.store()
    openid = person.of(request.cookies) or person.new()
    page = render_template(
        "sandbox/phone.html",
        person=openid,
        following=state.is_follower(redis, openid),
        qr_codes=state.qr_codes(redis),
        menu=state.load_menu(redis) or {"button": []},
        subscribe_template_id=current_settings().subscribe_template_id,
        subscriptions=state.subscriptions(redis, openid),
        scene=request.args.get("scene", ""),
    )
    return person.remember(make_response(page), openid)


@blueprint.post("/phone/person")
def change_person():
    data = PersonIn().load(request.get_json(silent=True) or {})
    openid = data.get("openid") or person.new()
    body = {"openid": openid, "following": state.is_follower(state.store(), openid)}
    return person.remember(make_response(body), openid)


@blueprint.post("/phone/send")
def phone_send():
    data = PhoneAction().load(request.get_json(silent=True) or {})
    redis = state.store()
    result = act(redis, data)
    return {
        **result,
        "following": state.is_follower(redis, data["openid"]),
        "subscriptions": state.subscriptions(redis, data["openid"]),
    }


def act(redis, data: dict) -> dict:
    """One follower action: update what the sandbox knows of the follower, post the event,
    return what the callback answered."""
    openid, action = data["openid"], data["action"]
    moment = state.event_time(redis, openid)
    scene = data.get("scene")
    if action == "follow" or (action == "scan" and not state.is_follower(redis, openid)):
        # Scanning a code without following is a follow through that code (qrscene_).
        state.follow(redis, openid, scene)
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
    elif action in ("subscribe_popup", "subscribe_off"):
        template = data.get("template_id") or current_settings().subscribe_template_id
        accepted = action == "subscribe_popup" and data["accept"]
        state.set_subscription(redis, openid, template, accepted)
        event = (
            "subscribe_msg_popup_event"
            if action == "subscribe_popup"
            else ("subscribe_msg_change_event")
        )
        answer = "accept" if accepted else "reject"
        xml = events.subscription_xml(openid, moment, event, [(template, answer)])
    else:
        xml = events.text_xml(openid, moment, data.get("text", ""), state.next_msgid(redis))
    return events.post_event(current_settings(), xml)


def _ticket(redis, scene: str | None) -> str | None:
    return state.ticket_for(redis, scene) if scene else None
