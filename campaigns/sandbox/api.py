"""The WeChat HTTP API as the sandbox answers it: the JSON shapes (errcode/errmsg) of WeChat's
documentation, access tokens it issued checked on every call, and injected failures."""

from __future__ import annotations

import threading
import time
from functools import wraps

from flask import Response, current_app, request

from campaigns.extensions import redis_clients
from campaigns.sandbox import blueprint, events, state
from campaigns.wechat.clients import current_settings

ERRORS = {
    "busy": (-1, "system error"),
    "40001": (40001, "invalid credential, access_token is invalid or not latest"),
    "42001": (42001, "access_token expired"),
    "43004": (43004, "require subscribe"),
    "43101": (43101, "user refuse to accept the msg"),  # notices of this template turned off
    "45009": (45009, "reach max api daily quota limit"),
}
HIDDEN_ARGS = {"secret", "access_token"}


def _error(code: int, message: str) -> dict:
    return {"errcode": code, "errmsg": message}


def wechat_api(endpoint: str, needs_token: bool = True):
    """Wrap a sandbox endpoint: injected failure, token check, then the call log."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            redis = redis_clients.main
            failure = state.take_failure(redis, endpoint)
            if failure and failure["mode"] in ("timeout", "delay"):
                time.sleep(failure["seconds"])  # the caller's timeout may pass meanwhile
            if failure and failure["mode"] != "delay":
                result = _error(*ERRORS.get(failure["mode"], ERRORS["busy"]))
            elif needs_token and not state.token_valid(redis, request.args.get("access_token")):
                result = _error(*ERRORS["40001"])
            else:
                result = view(*args, **kwargs)
            _log(redis, endpoint, result)
            return result

        return wrapper

    return decorate


def _log(redis, endpoint: str, result) -> None:
    body = request.get_json(silent=True, force=True) if request.data else None
    state.record_call(
        redis,
        {
            "endpoint": endpoint,
            "method": request.method,
            "args": {k: v for k, v in request.args.items() if k not in HIDDEN_ARGS},
            "body": body,
            "errcode": result.get("errcode", 0) if isinstance(result, dict) else 0,
            "at": time.time(),
        },
    )


def _json_body() -> dict:
    body = request.get_json(silent=True, force=True)
    return body if isinstance(body, dict) else {}


@blueprint.get("/cgi-bin/token")
@wechat_api("cgi-bin/token", needs_token=False)
def access_token():
    settings = current_settings()
    if request.args.get("grant_type") != "client_credential":
        return _error(40002, "invalid grant_type")
    if request.args.get("appid") != settings.app_id:
        return _error(40013, "invalid appid")
    if request.args.get("secret") != settings.app_secret:
        return _error(40125, "invalid appsecret")
    return {"access_token": state.issue_token(redis_clients.main), "expires_in": state.TOKEN_TTL}


@blueprint.get("/sns/oauth2/access_token")
@wechat_api("sns/oauth2/access_token", needs_token=False)
def oauth_access_token():
    settings = current_settings()
    if request.args.get("appid") != settings.app_id:
        return _error(40013, "invalid appid")
    if request.args.get("secret") != settings.app_secret:
        return _error(40125, "invalid appsecret")
    openid = state.redeem_code(redis_clients.main, request.args.get("code"))
    if openid is None:
        return _error(40029, "invalid code")
    return {
        "access_token": f"sns-{openid}",
        "expires_in": 7200,
        "refresh_token": f"sns-refresh-{openid}",
        "openid": openid,
        "scope": "snsapi_base",
    }


@blueprint.post("/cgi-bin/message/template/send")
@wechat_api("cgi-bin/message/template/send")
def template_send():
    settings = current_settings()
    body = _json_body()
    openid = body.get("touser") or ""
    if body.get("template_id") != settings.template_id:
        return _error(40037, "invalid template_id")
    if not events.OPENID.match(openid):
        return _error(40003, "invalid openid")
    redis = redis_clients.main
    if not state.is_follower(redis, openid):
        return _error(*ERRORS["43004"])
    msgid = state.next_msgid(redis)
    _report_delivery_later(current_app._get_current_object(), openid, msgid)
    return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


def _report_delivery_later(app, openid: str, msgid: int) -> None:
    """WeChat pushes TEMPLATESENDJOBFINISH to the callback once the message is delivered."""

    def push():
        with app.app_context():
            events.post_event(
                current_settings(),
                events.template_report_xml(
                    openid, state.event_time(redis_clients.main, openid), msgid
                ),
            )

    threading.Thread(target=push, daemon=True).start()


@blueprint.post("/cgi-bin/menu/create")
@wechat_api("cgi-bin/menu/create")
def menu_create():
    menu = _json_body()
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return _error(40016, "invalid button size")
    for button in buttons:
        subs = button.get("sub_button") or []
        if len(button.get("name", "").encode()) > 16 or len(subs) > 5:
            return _error(40017, "invalid button type")
        if any(len(sub.get("name", "").encode()) > 60 for sub in subs):
            return _error(40018, "invalid button name size")
    state.save_menu(redis_clients.main, menu)
    return {"errcode": 0, "errmsg": "ok"}


@blueprint.get("/cgi-bin/menu/get")
@wechat_api("cgi-bin/menu/get")
def menu_get():
    menu = state.load_menu(redis_clients.main)
    if menu is None:
        return _error(46003, "menu no exist")
    return {"menu": menu}


@blueprint.get("/cgi-bin/menu/delete")
@wechat_api("cgi-bin/menu/delete")
def menu_delete():
    state.delete_menu(redis_clients.main)
    return {"errcode": 0, "errmsg": "ok"}


@blueprint.post("/cgi-bin/qrcode/create")
@wechat_api("cgi-bin/qrcode/create")
def qrcode_create():
    body = _json_body()
    scene = (body.get("action_info") or {}).get("scene") or {}
    scene_str = scene.get("scene_str") or str(scene.get("scene_id") or "")
    if body.get("action_name") not in ("QR_LIMIT_STR_SCENE", "QR_LIMIT_SCENE") or not scene_str:
        return _error(40053, "invalid action info")
    if len(scene_str) > 64:
        return _error(40054, "invalid scene_str length")
    ticket = state.ticket_for(redis_clients.main, scene_str)
    # What the printed code encodes: the phone page, ready to scan this scene.
    url = f"{current_settings().public_base_url}/sandbox/phone?scene={scene_str}"
    return {"ticket": ticket, "url": url}


@blueprint.get("/showqrcode")
@blueprint.get("/cgi-bin/showqrcode")
@wechat_api("cgi-bin/showqrcode", needs_token=False)
def qrcode_show():
    from campaigns.wechat import qr

    scene = state.scene_of(redis_clients.main, request.args.get("ticket"))
    if scene is None:
        return _error(40007, "invalid ticket")
    url = f"{current_settings().public_base_url}/sandbox/phone?scene={scene}"
    image = qr.render_png(qr.CampaignQr(scene=scene, ticket=request.args["ticket"], url=url))
    return Response(image, mimetype="image/png")


@blueprint.get("/cgi-bin/user/info")
@wechat_api("cgi-bin/user/info")
def user_info():
    openid = request.args.get("openid") or ""
    if not events.OPENID.match(openid):
        return _error(40003, "invalid openid")
    if not state.is_follower(redis_clients.main, openid):
        return {"subscribe": 0, "openid": openid}
    return {
        "subscribe": 1,
        "openid": openid,
        "language": "zh_CN",
        "subscribe_scene": "ADD_SCENE_QR_CODE",
    }


@blueprint.get("/cgi-bin/ticket/getticket")
@wechat_api("cgi-bin/ticket/getticket")
def jsapi_ticket():
    if request.args.get("type") != "jsapi":
        return _error(40097, "invalid args")
    return {
        "errcode": 0,
        "errmsg": "ok",
        "ticket": state.issue_jsapi_ticket(redis_clients.main),
        "expires_in": state.TOKEN_TTL,
    }
