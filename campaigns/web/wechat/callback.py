"""``GET/POST /wechat``: the message callback WeChat calls (thin: see inbox.py)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from campaigns.core import services
from campaigns.core.services import redis_clients
from campaigns.web import ratelimits
from campaigns.web.extensions import db
from campaigns.wechat import inbox, replay
from campaigns.wechat.clients import current_settings

blueprint = Blueprint("wechat_callback", __name__, url_prefix="/wechat")


@blueprint.get("")
@ratelimits.limit(ratelimits.CALLBACK, key=ratelimits.client_ip)
def verify():
    """WeChat's server check when the callback URL is saved: echo ``echostr`` if signed."""
    settings = current_settings()
    inbox.verify_signature(
        settings,
        request.args.get("signature"),
        request.args.get("timestamp"),
        request.args.get("nonce"),
    )
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@blueprint.post("")
@ratelimits.limit(ratelimits.CALLBACK, key=ratelimits.client_ip)
def receive():
    settings = current_settings()
    args = request.args
    inbox.verify_signature(
        settings, args.get("signature"), args.get("timestamp"), args.get("nonce")
    )
    inbox.check_fresh(args.get("timestamp"))
    message, encrypted = inbox.open_body(settings, request.get_data(), args.to_dict())
    replay.claim_signature(
        redis_clients.main,
        args["timestamp"],
        args["nonce"],
        message,
        inbox.TIMESTAMP_WINDOW_SECONDS,
    )
    reply = inbox.receive(db.session, redis_clients.main, services.clock(), settings, message)
    if not reply:
        return Response("success", mimetype="text/plain")
    if encrypted:
        reply = inbox.seal(settings, reply, args["nonce"], args["timestamp"])
    return Response(reply, mimetype="application/xml")
