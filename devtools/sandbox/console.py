"""The sandbox's own pages and controls: the call log (page and JSON), failure injection, the
start state put back, and a follower's status set without an event (someone who followed or
unfollowed while the app's server was down)."""

from __future__ import annotations

from flask import render_template, request
from marshmallow import Schema, fields, validate

from devtools.sandbox import events, start_state, state
from devtools.sandbox.blueprint import blueprint


class FailureIn(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=100))
    mode = fields.String(
        required=True, validate=validate.OneOf(state.FAILURE_MODES + state.PAY_FAILURE_MODES)
    )
    times = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))
    seconds = fields.Float(load_default=6.0, validate=validate.Range(min=0, max=60))


class FollowerIn(Schema):
    openid = fields.String(required=True, validate=validate.Regexp(events.OPENID))
    subscribe = fields.Boolean(required=True)
    scene = fields.String(validate=validate.Length(min=1, max=64))  # followed through a code


class SubscriptionIn(Schema):
    openid = fields.String(required=True, validate=validate.Regexp(events.OPENID))
    template_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    accept = fields.Boolean(required=True)


@blueprint.get("/healthz")
def health():
    return {"ok": True}


@blueprint.get("/")
def log_page():
    return render_template("sandbox/log.html", calls=state.calls(state.store()))


@blueprint.get("/calls")
def calls():
    return {"calls": state.calls(state.store(), request.args.get("endpoint"))}


@blueprint.delete("/calls")
def clear_calls():
    state.clear_calls(state.store())
    return {"ok": True}


@blueprint.post("/control/fail")
def fail_next():
    """Fail the next ``times`` calls of ``endpoint`` (e.g. "cgi-bin/message/template/send")
    with busy, 40001, 42001, 43004, 43101, 45009, a timeout (sleep ``seconds``, then busy) or a
    delay (sleep ``seconds``, then answer normally)."""
    data = FailureIn().load(request.get_json(silent=True) or {})
    state.inject_failures(
        state.store(), data["endpoint"], data["mode"], data["times"], data["seconds"]
    )
    return {"ok": True, **data}


@blueprint.post("/control/reset")
def reset():
    """Back to the start state (devtools/sandbox/start_state.py): the followers from before
    and the brand's menu; no calls, codes, tokens, failures or other followers."""
    redis = state.store()
    state.reset(redis)
    return {
        "ok": True,
        "followers": state.follower_count(redis),
        "menu": state.load_menu(redis),
        "before_followers": list(start_state.BEFORE_FOLLOWERS),
    }


@blueprint.post("/control/subscription")
def set_subscription():
    """Accept or turn off a subscription notice without telling the callback (a change event
    WeChat never delivered): bizsend then answers by it."""
    data = SubscriptionIn().load(request.get_json(silent=True) or {})
    state.set_subscription(state.store(), data["openid"], data["template_id"], data["accept"])
    return {"ok": True, **data}


@blueprint.post("/control/follower")
def set_follower():
    """Follow or unfollow without telling the callback (no event is posted)."""
    data = FollowerIn().load(request.get_json(silent=True) or {})
    redis = state.store()
    if data["subscribe"]:
        state.follow(redis, data["openid"], data.get("scene"))
    else:
        state.unfollow(redis, data["openid"])
    return {"ok": True, "openid": data["openid"], "subscribe": int(data["subscribe"])}
