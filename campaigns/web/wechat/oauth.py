"""``/oauth/start`` and ``/oauth/callback``: the player's sign-in through WeChat (login.py).

Both answer a person in WeChat's browser, so refusals are the friendly page, with Retry-After
when trying again later will work.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded

from campaigns.core import services
from campaigns.core.services import redis_clients
from campaigns.web import ratelimits
from campaigns.web.extensions import db
from campaigns.wechat import login
from campaigns.wechat.clients import current_settings
from games.session import sign_in

blueprint = Blueprint("wechat_oauth", __name__, url_prefix="/oauth", template_folder="templates")

STATES = "oauth_states"
KEEP_STATES = 3  # a few tabs may sign in at once


def _redirect_uri(settings) -> str:
    return settings.public_base_url + url_for("wechat_oauth.callback")


def _pending() -> login.Pending:
    config = current_app.config
    return login.Pending(config["OAUTH_STATE_TTL_SECONDS"], config["OAUTH_PENDING_PER_IP"])


@blueprint.get("/start")
def start():
    settings = current_settings()
    next_path = request.args.get("next", "/")
    try:
        state, authorize_url = login.start(
            redis_clients.main,
            settings,
            next_path,
            _redirect_uri(settings),
            ratelimits.client_ip(),
            _pending(),
        )
    except login.LoginRefused as exc:
        return _failure(str(exc), 400)
    except login.TooManyPending as exc:
        reason = "Too many sign-ins from your network are still unfinished; please try again soon."
        return _failure(reason, 429, exc.retry_after)
    session[STATES] = [*session.get(STATES, [])[-(KEEP_STATES - 1) :], state]
    return redirect(authorize_url)


@blueprint.get("/callback")
@ratelimits.limit(ratelimits.OAUTH_FAILED, key=ratelimits.client_ip, deduct_when=ratelimits.refused)
def callback():
    settings = current_settings()
    try:
        player, next_path = login.finish(
            db.session,
            redis_clients.main,
            settings,
            services.clock(),
            request.args.get("state"),
            [s for s in session.get(STATES, []) if isinstance(s, str)],
            request.args.get("code"),
            _redirect_uri(settings),
            ratelimits.client_ip(),
        )
    except login.LoginRefused as exc:
        return _failure(str(exc), 400)
    except login.LoginUnavailable:
        current_app.logger.warning("WeChat OAuth unavailable", exc_info=True)
        return _failure("WeChat could not be reached; please try again.", 503)
    sign_in(player)
    return redirect(next_path)


@blueprint.errorhandler(RateLimitExceeded)
def _too_many_failures(_exc: RateLimitExceeded):
    reason = "Too many sign-ins from your network failed just now; please try again soon."
    return _failure(reason, 429, ratelimits.retry_after())


def _failure(reason: str, status: int, retry_after: int | None = None):
    response = current_app.make_response(
        (render_template("wechat/oauth_error.html", reason=reason), status)
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response
