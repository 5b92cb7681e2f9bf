"""Factories for campaigns, players, tokens and signed-in clients."""

from __future__ import annotations

import itertools
from datetime import timedelta

from campaigns.core.clock import utc_naive
from campaigns.management import campaign_admin, tokens
from campaigns.models import Player
from campaigns.web.admin_api.schemas import nest_game_settings
from campaigns.web.extensions import db
from games import registry

_openids = itertools.count(1)


class Factory:
    def __init__(self, app, clock):
        self.app = app
        self.clock = clock

    def campaign_data(self, **overrides) -> dict:
        now = self.clock.now()
        data = {
            "name": "Mid-Autumn wheel",
            "game": "wheel",
            "starts_at": now - timedelta(hours=1),
            "ends_at": now + timedelta(days=7),
            "timezone": "Asia/Shanghai",
            "rules": "One spin a day.",
            "plays_per_user_per_day": None,
            "plays_per_user_total": None,
            "wins_per_user_total": 1,
            "prizes": [
                {"name": "Phone", "stock": 5, "probability": 0.01},
                {"name": "Coupon", "stock": 100, "probability": 0.2},
            ],
        }
        data.update(overrides)
        return data

    def campaign(self, status: str = "live", **overrides):
        data = nest_game_settings(self.campaign_data(**overrides))  # as the admin API does
        campaign = campaign_admin.create_campaign(db.session, data, "factory", self.clock.now())
        game = registry.get(campaign.game)
        redis = self.app.extensions["redis"]["counters"]
        if status != "draft":
            campaign_admin.change_status(
                db.session, redis, campaign, "live", "test", self.clock.now(), game
            )
        if status not in ("draft", "live"):
            campaign_admin.change_status(
                db.session, redis, campaign, status, "test", self.clock.now(), game
            )
        return campaign

    def player(self, openid: str | None = None) -> Player:
        player = Player(
            openid=openid or f"o-test-{next(_openids):06d}", created_at=utc_naive(self.clock.now())
        )
        db.session.add(player)
        db.session.commit()
        return player

    def players(self, count: int) -> list[Player]:
        made = [
            Player(openid=f"o-test-{next(_openids):06d}", created_at=utc_naive(self.clock.now()))
            for _ in range(count)
        ]
        db.session.add_all(made)
        db.session.commit()
        return made

    def token(self, role: str = "marketer") -> str:
        return tokens.create_token(db.session, role, f"test-{role}", self.clock.now())

    def signed_in(self, player, client=None):
        client = client or self.app.test_client()
        with client.session_transaction() as session:
            session["player_id"] = player.id
            session["openid"] = player.openid
        return client

    def end_and_audit(self, campaign, client=None) -> tuple[dict, list[str]]:
        """End the campaign through the admin API, as a marketer would, and read its public
        audit: (the ended campaign as the API shows it, the audit's JSON lines)."""
        client = client or self.app.test_client()
        ended = client.post(
            f"/api/campaigns/{campaign.id}/status",
            json={"status": "ended"},
            headers={"Authorization": f"Bearer {self.token('marketer')}"},
        )
        assert ended.status_code == 200, ended.json
        audit = client.get(f"/api/campaigns/{campaign.id}/audit")
        return ended.json, audit.get_data(as_text=True).splitlines()
