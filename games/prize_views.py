"""The player's prizes as JSON: their wins (kind, status, code, deadline, delivery) and the
claim of a goods win (name, phone, address), only ever for the signed-in winner's own wins."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from campaigns.core import services
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.play import load_published_campaign
from campaigns.prizes import claims
from campaigns.prizes.sealing import Sealer
from campaigns.web import ratelimits
from campaigns.web.extensions import db
from games.session import current_player

blueprint = Blueprint("prizes", __name__)


def sealer() -> Sealer:
    return Sealer.from_config(current_app.config)


@blueprint.get("/<int:campaign_id>/wins")
def wins(campaign_id: int):
    player = current_player()
    campaign = load_published_campaign(db.session, campaign_id)
    return {
        "wins": claims.player_wins(db.session, campaign.id, player.id, services.now(), sealer())
    }


@blueprint.post("/<int:campaign_id>/wins/<int:win_id>/claim")
@ratelimits.limit(ratelimits.CLAIM, key=ratelimits.player_or_ip)
def claim(campaign_id: int, win_id: int):
    player = current_player()
    campaign = load_published_campaign(db.session, campaign_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError(
            ErrorCode.VALIDATION, "Send a JSON object.", {"_schema": ["A JSON object."]}
        )
    return claims.submit_claim(
        db.session, campaign.id, player.id, win_id, body, services.now(), sealer()
    )
