"""``/oauth/start`` and ``/oauth/callback``: the player's sign-in through WeChat (login.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from campaigns import ratelimits
from campaigns.extensions import db, redis_clients
from campaigns.wechat import login
from campaigns.wechat.clients import current_settings
from games.session import sign_in

blueprint = Blueprint("wechat_oauth", __name__, url_prefix="/oauth", template_folder="templates")

STATES = "oauth_states"
KEEP_STATES = 3  # a few tabs may sign in at once


def _redirect_uri(settings) -> str:
    return settings.public_base_url + url_for("wechat_oauth.callback")


@blueprint.get("/start")
@ratelimits.limit(ratelimits.OAUTH, key=ratelimits.client_ip)
def start():
    settings = current_settings()
    next_path = request.args.get("next", "/")
    try:
        state, authorize_url = login.start(
            redis_clients.main, settings, next_path, _redirect_uri(settings)
        )
    except login.LoginRefused as exc:
        return _failure(str(exc), 400)
    session[STATES] = [*session.get(STATES, [])[-(KEEP_STATES - 1) :], state]
    return redirect(authorize_url)


@blueprint.get("/callback")
@ratelimits.limit(ratelimits.OAUTH, key=ratelimits.client_ip)
def callback():
    settings = current_settings()
    try:
        player, next_path = login.finish(
            db.session,
            redis_clients.main,
            settings,
            current_app.extensions["clock"],
            request.args.get("state"),
            [s for s in session.get(STATES, []) if isinstance(s, str)],
            request.args.get("code"),
            _redirect_uri(settings),
        )
    except login.LoginRefused as exc:
        return _failure(str(exc), 400)
    except login.LoginUnavailable:
        current_app.logger.warning("WeChat OAuth unavailable", exc_info=True)
        return _failure("WeChat could not be reached; please try again.", 503)
    sign_in(player)
    return redirect(next_path)


def _failure(reason: str, status: int):
    return render_template("wechat/oauth_error.html", reason=reason), status
