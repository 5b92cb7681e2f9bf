"""Small helpers the console's views share."""

from __future__ import annotations

from flask import current_app

from campaigns.core import urls


def game_url(campaign) -> str:
    return urls.game_url(current_app.config["PUBLIC_BASE_URL"], campaign.id)
