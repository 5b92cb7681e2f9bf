"""The player's H5 blueprint: the JSON play endpoint, with the pages, the quiz and the static
assets nested under it (games/pages.py, games/quiz_views.py, games/assets.py)."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, current_app, request

from campaigns.core import services, urls
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.play import load_campaign_for_play, play
from campaigns.web import ratelimits, security
from campaigns.web.extensions import db
from campaigns.wechat import followers
from games import assets, pages, prize_views, quiz_views, registry, staff_views, wechat_views
from games.results import play_body
from games.session import current_player

blueprint = Blueprint("h5", __name__, url_prefix=urls.H5_PREFIX.rstrip("/"))
blueprint.register_blueprint(assets.blueprint)
blueprint.register_blueprint(pages.blueprint)
blueprint.register_blueprint(quiz_views.blueprint)
blueprint.register_blueprint(prize_views.blueprint)
blueprint.register_blueprint(staff_views.blueprint)
blueprint.register_blueprint(wechat_views.blueprint)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

# The app's policy (campaigns/web/security.py) with two differences for the player pages: no inline
# style at all (colours come from look.css), and images from the brand's own HTTPS hosts
# (banner and prize images in the campaign's look).
PLAYER_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)


@blueprint.after_request
def _headers(response):
    if response.mimetype in ("text/html", "application/json"):
        # Pages and play results belong to one player's session: never cached on the way.
        response.headers.setdefault("Cache-Control", "no-store")
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = security.content_security_policy(
            PLAYER_DIRECTIVES, current_app.config
        )
    return assets.compress.after_request(response)


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return secrets.token_urlsafe(16)
    if not IDEMPOTENCY_KEY.match(key):
        raise DomainError(
            ErrorCode.VALIDATION,
            "Invalid Idempotency-Key header.",
            {"Idempotency-Key": ["1 to 64 characters: letters, digits, _ . : -"]},
        )
    return key


@blueprint.post("/<int:campaign_id>/play")
def play_once(campaign_id: int):
    if not ratelimits.has_player():
        _refuse_without_session()
    player = current_player()
    key = _idempotency_key()
    campaign = load_campaign_for_play(db.session, campaign_id, services.campaign_snapshots())
    if not registry.get(campaign.game).draws_on_play:
        raise DomainError(
            ErrorCode.BAD_REQUEST,
            "This game draws when a quiz attempt passes.",
            {"game": [campaign.game]},
        )
    stored = play(
        db.session,
        services.engine(),
        services.clock(),
        campaign,
        player,
        key,
        current_app.config["SECRET_KEY"],
        followers.current(),
        rate=ratelimits.in_script(ratelimits.PLAY),
    )
    return play_body(campaign, stored)


# A signed-in player's plays are limited inside the draw script (ratelimits.in_script: no round
# trip of its own); only requests without a session are counted, by IP. The limit sits on this
# refusal rather than on the view: flask-limiter's decorator costs ~80 µs of CPU per call even
# when it exempts the request, a tenth of a play (bench/profile_play.py).
@ratelimits.limit(ratelimits.PLAY, key=ratelimits.client_ip)
def _refuse_without_session():
    raise DomainError(ErrorCode.NO_SESSION)
