"""Small helpers the console's views share."""

from __future__ import annotations

from flask import current_app

from campaigns.core import urls
from campaigns.core.services import now, redis_clients
from campaigns.management import campaign_admin
from campaigns.web.console.auth import actor_name
from campaigns.web.extensions import db
from games import registry


def game_url(campaign) -> str:
    return urls.game_url(current_app.config["PUBLIC_BASE_URL"], campaign.id)


def apply_edit(campaign, changes: dict) -> None:
    """The console's edits (the editor's form, the overview's stock form) as the signed-in user,
    through the one function that applies and checks an edit."""
    campaign_admin.edit_campaign(
        db.session, redis_clients.counters, campaign, changes, actor_name(), now(), registry.get
    )
