"""Small helpers the console's views share."""

from __future__ import annotations

from flask import current_app

from campaigns.core import services


def now():
    return services.now()


def game_url(campaign) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/h5/{campaign.id}/"
