"""The player's H5 blueprint: game pages and the JSON play endpoint."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, current_app, request

from campaigns import game_registry
from campaigns.errors import DomainError, ErrorCode
from campaigns.extensions import db
from campaigns.play import load_campaign, play
from games.schemas import PlayOut
from games.session import current_player

blueprint = Blueprint("h5", __name__, url_prefix="/h5")

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


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


def play_body(campaign, stored) -> dict:
    game = game_registry.get(campaign.game)
    body = {
        "play_id": stored.id,
        "outcome": "win" if stored.outcome == "win" else "lose",
        "prize": None,
        "plays_left_today": stored.plays_left_today,
    }
    if stored.outcome == "win":
        prize = next(p for p in campaign.prizes if p.id == stored.prize_id)
        body["prize"] = prize
        body["code"] = stored.win.code
    body.update(game.present(campaign, stored))
    return PlayOut().dump(body)


@blueprint.post("/<int:campaign_id>/play")
def play_once(campaign_id: int):
    player = current_player()
    key = _idempotency_key()
    campaign = load_campaign(db.session, campaign_id)
    if not game_registry.get(campaign.game).draws_on_play:
        raise DomainError(
            ErrorCode.BAD_REQUEST,
            "This game draws when a quiz attempt passes.",
            {"game": [campaign.game]},
        )
    stored = play(
        db.session,
        current_app.extensions["engine"],
        current_app.extensions["clock"],
        campaign,
        player,
        key,
        current_app.config["SECRET_KEY"],
    )
    return play_body(campaign, stored)
