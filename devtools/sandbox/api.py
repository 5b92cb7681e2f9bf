"""The WeChat HTTP API as the sandbox answers it: the JSON shapes (errcode/errmsg) of WeChat's
documentation, answered from the sandbox's state (devtools/sandbox/state.py), access tokens it
issued checked on every call, and injected failures."""

from __future__ import annotations

import io
import threading
import time
from functools import wraps

import segno
from flask import Response, current_app, request

from devtools.sandbox import events, menu, state
from devtools.sandbox.blueprint import blueprint
from devtools.sandbox.config import current_settings

ERRORS = {
    "busy": (-1, "system error"),
    "40001": (40001, "invalid credential, access_token is invalid or not latest"),
    "42001": (42001, "access_token expired"),
    "43004": (43004, "require subscribe"),
    "43101": (43101, "user refuse to accept the msg"),  # notices of this template turned off
    "45009": (45009, "reach max api daily quota limit"),
}
HIDDEN_ARGS = {"secret", "access_token"}
BATCH_MAX = 100  # user/info/batchget: openids per call
QR_ACTIONS = ("QR_LIMIT_STR_SCENE", "QR_LIMIT_SCENE", "QR_STR_SCENE", "QR_SCENE")


def _error(code: int, message: str) -> dict:
    return {"errcode": code, "errmsg": message}


def wechat_api(endpoint: str, needs_token: bool = True):
    """Wrap a sandbox endpoint: injected failure, token check, then the call log."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            redis = state.store()
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
    return {"access_token": state.issue_token(state.store()), "expires_in": state.TOKEN_TTL}


@blueprint.get("/sns/oauth2/access_token")
@wechat_api("sns/oauth2/access_token", needs_token=False)
def oauth_access_token():
    settings = current_settings()
    if request.args.get("appid") != settings.app_id:
        return _error(40013, "invalid appid")
    if request.args.get("secret") != settings.app_secret:
        return _error(40125, "invalid appsecret")
    openid = state.redeem_code(state.store(), request.args.get("code"))
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
    redis = state.store()
    if not state.is_follower(redis, openid):
        return _error(*ERRORS["43004"])
    msgid = state.next_msgid(redis)
    _report_delivery_later(current_app._get_current_object(), openid, msgid)
    return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


@blueprint.post("/cgi-bin/message/subscribe/bizsend")
@wechat_api("cgi-bin/message/subscribe/bizsend")
def subscribe_send():
    """A subscription notice (订阅通知): reaches whoever accepted the template, following or
    not; 43101 for anyone who did not, or turned it off since."""
    settings = current_settings()
    body = _json_body()
    openid = body.get("touser") or ""
    if body.get("template_id") != settings.subscribe_template_id:
        return _error(40037, "invalid template_id")
    if not events.OPENID.match(openid):
        return _error(40003, "invalid openid")
    if not isinstance(body.get("data"), dict) or not body["data"]:
        return _error(47003, "argument invalid! data is empty")
    if not state.subscribed(state.store(), openid, body["template_id"]):
        return _error(*ERRORS["43101"])
    return {"errcode": 0, "errmsg": "ok"}


def _report_delivery_later(app, openid: str, msgid: int) -> None:
    """WeChat pushes TEMPLATESENDJOBFINISH to the callback once the message is delivered."""

    def push():
        with app.app_context():
            events.post_event(
                current_settings(),
                events.template_report_xml(openid, state.event_time(state.store(), openid), msgid),
            )

    threading.Thread(target=push, daemon=True).start()


# -- the custom menu -------------------------------------------------------------------------


@blueprint.post("/cgi-bin/menu/create")
@wechat_api("cgi-bin/menu/create")
def menu_create():
    try:
        created = menu.checked(_json_body())
    except menu.MenuRefused as refused:
        return _error(refused.code, refused.message)
    state.save_menu(state.store(), created)
    return {"errcode": 0, "errmsg": "ok"}


@blueprint.get("/cgi-bin/menu/get")
@wechat_api("cgi-bin/menu/get")
def menu_get():
    current = state.load_menu(state.store())
    if current is None:
        return _error(46003, "menu no exist")
    return menu.as_menu_get(current)


@blueprint.get("/cgi-bin/get_current_selfmenu_info")
@wechat_api("cgi-bin/get_current_selfmenu_info")
def selfmenu_info():
    return menu.as_selfmenu_info(state.load_menu(state.store()))


@blueprint.get("/cgi-bin/menu/delete")
@wechat_api("cgi-bin/menu/delete")
def menu_delete():
    state.delete_menu(state.store())
    return {"errcode": 0, "errmsg": "ok"}


# -- QR codes --------------------------------------------------------------------------------


@blueprint.post("/cgi-bin/qrcode/create")
@wechat_api("cgi-bin/qrcode/create")
def qrcode_create():
    body = _json_body()
    scene = (body.get("action_info") or {}).get("scene") or {}
    scene_str = scene.get("scene_str") or str(scene.get("scene_id") or "")
    if body.get("action_name") not in QR_ACTIONS or not scene_str:
        return _error(40053, "invalid action info")
    if len(scene_str) > 64:
        return _error(40054, "invalid scene_str length")
    ticket = state.ticket_for(state.store(), scene_str, body["action_name"])
    return {"ticket": ticket, "url": scan_url(scene_str)}


def scan_url(scene: str) -> str:
    """What a printed code encodes: the phone page, ready to scan this scene."""
    return f"{current_settings().sandbox_url}/phone?scene={scene}"


@blueprint.get("/showqrcode")
@blueprint.get("/cgi-bin/showqrcode")
@wechat_api("cgi-bin/showqrcode", needs_token=False)
def qrcode_show():
    scene = state.scene_of(state.store(), request.args.get("ticket"))
    if scene is None:
        return _error(40007, "invalid ticket")
    image = io.BytesIO()
    segno.make_qr(scan_url(scene), error="m").save(image, kind="png", scale=10, border=4)
    return Response(image.getvalue(), mimetype="image/png")


# -- followers -------------------------------------------------------------------------------


def _user_info(openid: str, info: dict | None) -> dict:
    """user/info's answer for one openid: ``subscribe`` 0 (and nothing more) for someone who
    does not follow, else what WeChat still tells since 2021 (no nickname or avatar)."""
    if info is None:
        return {"subscribe": 0, "openid": openid}
    return {
        "subscribe": 1,
        "openid": openid,
        "language": "zh_CN",
        "subscribe_time": info["subscribe_time"],
        "remark": "",
        "groupid": 0,
        "tagid_list": [],
        "subscribe_scene": info["subscribe_scene"],
        "qr_scene": 0,
        "qr_scene_str": info["qr_scene_str"],
    }


@blueprint.get("/cgi-bin/user/info")
@wechat_api("cgi-bin/user/info")
def user_info():
    openid = request.args.get("openid") or ""
    if not events.OPENID.match(openid):
        return _error(40003, "invalid openid")
    return _user_info(openid, state.follower(state.store(), openid))


@blueprint.post("/cgi-bin/user/info/batchget")
@wechat_api("cgi-bin/user/info/batchget")
def user_info_batch():
    users = _json_body().get("user_list")
    if not isinstance(users, list) or not 1 <= len(users) <= BATCH_MAX:
        return _error(40032, "invalid openid list size")
    openids = [user.get("openid") if isinstance(user, dict) else None for user in users]
    if not all(isinstance(o, str) and events.OPENID.match(o) for o in openids):
        return _error(40003, "invalid openid")
    infos = state.followers(state.store(), openids)
    return {"user_info_list": [_user_info(o, info) for o, info in zip(openids, infos, strict=True)]}


# -- JS-SDK ----------------------------------------------------------------------------------


@blueprint.get("/cgi-bin/ticket/getticket")
@wechat_api("cgi-bin/ticket/getticket")
def jsapi_ticket():
    if request.args.get("type") != "jsapi":
        return _error(40097, "invalid args")
    return {
        "errcode": 0,
        "errmsg": "ok",
        "ticket": state.issue_jsapi_ticket(state.store()),
        "expires_in": state.TOKEN_TTL,
    }
