"""The staff desk on a phone: bind as staff with a marketer's one-time code, then look codes up
(typed, or scanned with the JS-SDK's ``scanQRCode``) and redeem them, each redemption recording
the staff member. Signed in by WeChat OAuth like players; only the session says who it is."""

from __future__ import annotations

import requests
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from wechatpy.exceptions import WeChatException

from campaigns.core import services
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.management import redemption, staff
from campaigns.web import i18n, ratelimits
from campaigns.web.extensions import db
from campaigns.wechat.clients import current_client
from campaigns.wechat.jssdk import js_sdk_config
from games.assets import asset_url
from games.session import current_player

blueprint = Blueprint("staff", __name__, template_folder="templates")


def _player_or_none():
    try:
        return current_player()
    except DomainError:
        return None


def _to_oauth():
    return redirect(url_for("wechat_oauth.start", next=request.full_path.rstrip("?")))


def _page(**context) -> str:
    return render_template(
        "h5/staff.html", lang=i18n.current_language(), asset_url=asset_url, **context
    )


def _message(title: str, text: str, status: int):
    return _page(title=title, message=text, config=None), status


@blueprint.get("/staff/bind/<token>")
def bind(token: str):
    player = _player_or_none()
    if player is None:
        return _to_oauth()
    try:
        staff.bind(db.session, token, player.openid, services.now())
    except DomainError as exc:
        return _message(gettext("Staff sign-up"), gettext(exc.message), exc.status)
    return redirect(url_for("h5.staff.desk"))


def _staff_member():
    """The signed-in staff member, or DomainError (401 without a session, 403 if not staff)."""
    player = current_player()
    member = staff.of(db.session, player.openid)
    if member is None:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Only staff may verify codes; ask a marketer for a staff QR code.",
            {"staff": ["Not staff."]},
        )
    return member


@blueprint.get("/staff/desk")
def desk():
    player = _player_or_none()
    if player is None:
        return _to_oauth()
    member = staff.of(db.session, player.openid)
    if member is None:
        return _message(
            gettext("Staff desk"),
            gettext("Only staff may verify codes; ask a marketer for a staff QR code."),
            403,
        )
    page_url = current_app.config["PUBLIC_BASE_URL"] + url_for("h5.staff.desk")
    try:
        jssdk = js_sdk_config(current_client(), page_url, services.now())
    except (WeChatException, requests.RequestException):
        jssdk = None  # no scanning for now: the code can be typed
    config = {
        "lookup": url_for("h5.staff.lookup", code="CODE"),
        "redeem": url_for("h5.staff.redeem", code="CODE"),
        "jssdk": jssdk,
        "sdk": asset_url("vendor/weixin-js-sdk/index.js"),
        "t": {
            "redeemed": gettext("Redeemed. Hand over the prize."),
            "already": gettext("Already redeemed"),
            "expired": gettext("Expired"),
            "unknown": gettext("No prize has this code."),
            "not_code": gettext("This prize is shipped or paid, not handed over here."),
            "failed": gettext("Could not reach the server; try again."),
        },
    }
    return _page(title=gettext("Staff desk"), staff=member, config=config, message=None)


_guessing = ratelimits.limit(
    ratelimits.REDEEM, key=ratelimits.player_or_ip, deduct_when=ratelimits.missed
)


@blueprint.get("/staff/codes/<code>")
@_guessing
def lookup(code: str):
    _staff_member()
    return redemption.describe(db.session, redemption.find(db.session, code))


@blueprint.post("/staff/codes/<code>/redeem")
@_guessing
def redeem(code: str):
    member = _staff_member()
    return redemption.redeem(db.session, code, staff.actor(member), services.now())
